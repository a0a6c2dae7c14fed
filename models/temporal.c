/* temporal: being written */
