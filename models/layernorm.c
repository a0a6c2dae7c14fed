/* layernorm: being written */
