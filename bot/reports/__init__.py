"""Public-opinion reports (社情民意信息): the state machine, the service and the register."""
