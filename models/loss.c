/* loss: being written */
