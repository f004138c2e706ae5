project     = "orders"
environment = "prod"
alarm_email = "oncall@example.com"
