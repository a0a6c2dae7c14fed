/* modelmeta: being written */
