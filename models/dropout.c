/* dropout: being written */
