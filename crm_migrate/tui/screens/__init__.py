"""One module per wizard step, plus modals."""
