print("lookoutd: the daemon is not built yet")
