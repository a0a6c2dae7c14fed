/* embedding: being written */
