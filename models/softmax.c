/* softmax: being written */
