/* attention: being written */
