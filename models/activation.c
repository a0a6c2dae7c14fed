/* activation: being written */
