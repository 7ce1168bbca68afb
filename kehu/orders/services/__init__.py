"""Writes of the orders app: credit, orders, inquiries, allocation. Each service is one transaction with permission,
data scope and history inside."""
