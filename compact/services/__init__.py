"""Write services of the compact's domain. Each is atomic and writes its audit event inside."""
