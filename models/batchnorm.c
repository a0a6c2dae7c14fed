/* batchnorm: being written */
