"""crm-migrate: move customer records from files into a CRM."""

__version__ = "0.1.0"
