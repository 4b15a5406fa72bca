"""SQL repositories, one module per feature, composed by the unit of work."""
