"""Write services of the employer side: organisations, API keys, sealed submissions."""
