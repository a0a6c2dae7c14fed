/* optim: being written */
