"""Customers and vehicles: profiles, registration and VIN rules, ownership over time, the mileage log, search.

Every query is scoped by the actor's garage. Registrations are stored normalised (upper case, letters and digits
only) next to the form the user typed, so "ab12 cde", "AB-12-CDE" and "AB12CDE" are the same vehicle.
"""

from backend.customers.models import ContactChannel, FuelType
from backend.customers.service.common import _UNSET, normalize_registration
from backend.customers.service.customers import (
    CUSTOMER_AUDIT,
    CustomerInput,
    create_customer,
    find_customer,
    get_customer,
    list_customers,
    update_customer,
)
from backend.customers.service.vehicles import (
    VEHICLE_AUDIT,
    VehicleInput,
    create_vehicle,
    find_vehicle,
    get_vehicle,
    list_vehicles,
    record_mileage,
    transfer_vehicle,
    update_vehicle,
    vehicle_by_registration,
)

__all__ = [
    "CUSTOMER_AUDIT", "ContactChannel", "CustomerInput", "FuelType", "VEHICLE_AUDIT", "VehicleInput", "_UNSET",
    "create_customer", "create_vehicle", "find_customer", "find_vehicle", "get_customer", "get_vehicle",
    "list_customers", "list_vehicles", "normalize_registration", "record_mileage", "transfer_vehicle",
    "update_customer", "update_vehicle", "vehicle_by_registration",
]
