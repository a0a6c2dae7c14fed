/* shift: being written */
