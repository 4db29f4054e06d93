"""Young people's records are case data: deliberately not registered in the admin site."""
