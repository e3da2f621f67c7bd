"""Expected failures. Services raise DomainError; the API turns it into a localized UserError in the payload.

Every code has an English message (translated through the Babel catalogs) and is exposed as the GraphQL enum
ErrorCode, so a client can also translate it offline.
"""

from __future__ import annotations

import enum

from backend.core.i18n import N_, translate


class ErrorCode(enum.Enum):
    # generic input
    REQUIRED = "REQUIRED"
    TOO_LONG = "TOO_LONG"
    TOO_SHORT = "TOO_SHORT"
    INVALID_VALUE = "INVALID_VALUE"
    INVALID_EMAIL = "INVALID_EMAIL"
    INVALID_PHONE = "INVALID_PHONE"
    NOT_FOUND = "NOT_FOUND"
    ALREADY_EXISTS = "ALREADY_EXISTS"
    PAGE_SIZE_TOO_LARGE = "PAGE_SIZE_TOO_LARGE"
    INVALID_CURSOR = "INVALID_CURSOR"
    CONFLICT = "CONFLICT"
    # accounts
    INVALID_CREDENTIALS = "INVALID_CREDENTIALS"
    ACCOUNT_DEACTIVATED = "ACCOUNT_DEACTIVATED"
    TOO_MANY_ATTEMPTS = "TOO_MANY_ATTEMPTS"
    INVALID_REFRESH_TOKEN = "INVALID_REFRESH_TOKEN"
    REFRESH_TOKEN_REUSED = "REFRESH_TOKEN_REUSED"
    EMAIL_TAKEN = "EMAIL_TAKEN"
    PASSWORD_TOO_SHORT = "PASSWORD_TOO_SHORT"
    STREAMS_ONLY_FOR_TECHNICIANS = "STREAMS_ONLY_FOR_TECHNICIANS"
    TECHNICIAN_NEEDS_STREAM = "TECHNICIAN_NEEDS_STREAM"
    CANNOT_DEACTIVATE_SELF = "CANNOT_DEACTIVATE_SELF"
    # first-run set-up, open sign-up, invitations (backend/accounts/setup.py, invitations.py)
    ALREADY_SET_UP = "ALREADY_SET_UP"
    SIGNUP_CLOSED = "SIGNUP_CLOSED"
    TOO_MANY_SIGNUPS = "TOO_MANY_SIGNUPS"
    INVITATION_INVALID = "INVITATION_INVALID"
    INVITATION_EXPIRED = "INVITATION_EXPIRED"
    INVITATION_USED = "INVITATION_USED"
    INVITATION_REVOKED = "INVITATION_REVOKED"
    SITE_REQUIRED = "SITE_REQUIRED"
    INVALID_TIME_ZONE = "INVALID_TIME_ZONE"
    INVALID_CURRENCY = "INVALID_CURRENCY"
    INVALID_TAX_RATE = "INVALID_TAX_RATE"
    INVALID_TAX_ID = "INVALID_TAX_ID"
    INVALID_SCOPE = "INVALID_SCOPE"
    FORBIDDEN = "FORBIDDEN"
    # customers and vehicles
    INVALID_REGISTRATION = "INVALID_REGISTRATION"
    REGISTRATION_TAKEN = "REGISTRATION_TAKEN"
    INVALID_VIN = "INVALID_VIN"
    VIN_CHECK_DIGIT = "VIN_CHECK_DIGIT"
    VIN_TAKEN = "VIN_TAKEN"
    INVALID_YEAR = "INVALID_YEAR"
    MILEAGE_DECREASE_NEEDS_REASON = "MILEAGE_DECREASE_NEEDS_REASON"
    ALREADY_OWNER = "ALREADY_OWNER"
    # workshop
    INVALID_TRANSITION = "INVALID_TRANSITION"
    NOT_YOUR_JOB = "NOT_YOUR_JOB"
    TECHNICIAN_NOT_ACTIVE = "TECHNICIAN_NOT_ACTIVE"
    NOT_A_TECHNICIAN = "NOT_A_TECHNICIAN"
    WRONG_STREAM = "WRONG_STREAM"
    NO_TECHNICIAN_IN_STREAM = "NO_TECHNICIAN_IN_STREAM"
    REASON_REQUIRED = "REASON_REQUIRED"
    PARTS_PENDING = "PARTS_PENDING"
    TASKS_OPEN = "TASKS_OPEN"
    TASK_COMPLETED = "TASK_COMPLETED"
    TASK_NOT_COMPLETED = "TASK_NOT_COMPLETED"
    JOB_NOT_WORKABLE = "JOB_NOT_WORKABLE"
    NOT_CLOCKED_ON = "NOT_CLOCKED_ON"
    INVALID_PARTS_REQUEST_STATE = "INVALID_PARTS_REQUEST_STATE"
    # inventory
    SKU_TAKEN = "SKU_TAKEN"
    INSUFFICIENT_STOCK = "INSUFFICIENT_STOCK"
    INVALID_QUANTITY = "INVALID_QUANTITY"
    INVALID_AMOUNT = "INVALID_AMOUNT"
    ITEM_INACTIVE = "ITEM_INACTIVE"
    NEGATIVE_QUANTITY = "NEGATIVE_QUANTITY"
    ZERO_ADJUSTMENT = "ZERO_ADJUSTMENT"
    INVALID_MILEAGE = "INVALID_MILEAGE"
    INVALID_PERIOD = "INVALID_PERIOD"
    PERIOD_TOO_LONG = "PERIOD_TOO_LONG"
    QUOTE_NOT_EDITABLE = "QUOTE_NOT_EDITABLE"
    INVALID_QUOTE_STATE = "INVALID_QUOTE_STATE"
    LINE_ALREADY_DECIDED = "LINE_ALREADY_DECIDED"
    JOB_VEHICLE_MISMATCH = "JOB_VEHICLE_MISMATCH"
    INVOICE_NOT_EDITABLE = "INVOICE_NOT_EDITABLE"
    INVALID_INVOICE_STATE = "INVALID_INVOICE_STATE"
    INVOICE_EXISTS = "INVOICE_EXISTS"
    NOTHING_TO_INVOICE = "NOTHING_TO_INVOICE"
    NO_LINES = "NO_LINES"
    DISCOUNT_TOO_LARGE = "DISCOUNT_TOO_LARGE"
    OVERPAYMENT = "OVERPAYMENT"
    CREDIT_EXCEEDS_LINE = "CREDIT_EXCEEDS_LINE"
    REFUND_METHOD_REQUIRED = "REFUND_METHOD_REQUIRED"
    TAX_INVOICE_BUYER_INCOMPLETE = "TAX_INVOICE_BUYER_INCOMPLETE"
    TAX_INVOICE_SELLER_INCOMPLETE = "TAX_INVOICE_SELLER_INCOMPLETE"
    INVALID_BRANCH_CODE = "INVALID_BRANCH_CODE"
    INVALID_PROMPTPAY_ID = "INVALID_PROMPTPAY_ID"
    INVALID_BILLER_ID = "INVALID_BILLER_ID"
    # billing (add billing codes above this line)
    INSPECTION_COMPLETED = "INSPECTION_COMPLETED"
    INSPECTION_PHOTO_REQUIRED = "INSPECTION_PHOTO_REQUIRED"
    INSPECTION_ITEM_UNKNOWN = "INSPECTION_ITEM_UNKNOWN"
    INSPECTION_LIMITS = "INSPECTION_LIMITS"
    INSPECTION_KEY_TAKEN = "INSPECTION_KEY_TAKEN"
    NOT_A_FINDING = "NOT_A_FINDING"
    FINDING_ALREADY_QUOTED = "FINDING_ALREADY_QUOTED"
    # inspections (add inspection codes above this line)
    NOTIFICATION_NOT_RETRYABLE = "NOTIFICATION_NOT_RETRYABLE"
    INVALID_PUSH_SUBSCRIPTION = "INVALID_PUSH_SUBSCRIPTION"
    INVALID_LEAD_DAYS = "INVALID_LEAD_DAYS"
    INVALID_SERVICE_INTERVAL = "INVALID_SERVICE_INTERVAL"
    INVALID_SERVICE_DATE = "INVALID_SERVICE_DATE"
    UNKNOWN_TEMPLATE = "UNKNOWN_TEMPLATE"
    TEMPLATE_SYNTAX = "TEMPLATE_SYNTAX"
    TEMPLATE_UNKNOWN_VARIABLE = "TEMPLATE_UNKNOWN_VARIABLE"
    TEMPLATE_NOT_ALLOWED = "TEMPLATE_NOT_ALLOWED"
    # notifications (add notification codes above this line)
    PORTAL_LINK_INVALID = "PORTAL_LINK_INVALID"
    PORTAL_LINK_EXPIRED = "PORTAL_LINK_EXPIRED"
    PORTAL_LINK_REVOKED = "PORTAL_LINK_REVOKED"
    RATE_LIMITED = "RATE_LIMITED"
    CODE_INVALID = "CODE_INVALID"
    CODE_EXPIRED = "CODE_EXPIRED"
    CODE_LOCKED = "CODE_LOCKED"
    NO_CONTACT = "NO_CONTACT"
    QUOTE_CHANGED = "QUOTE_CHANGED"
    INVALID_LINK_DAYS = "INVALID_LINK_DAYS"
    # portal (add portal codes above this line)
    SAME_WAREHOUSE = "SAME_WAREHOUSE"
    INVALID_TRANSFER_STATE = "INVALID_TRANSFER_STATE"
    NOT_AVAILABLE = "NOT_AVAILABLE"
    DUPLICATE_ITEM = "DUPLICATE_ITEM"
    NOT_CENTRAL_WAREHOUSE = "NOT_CENTRAL_WAREHOUSE"
    INVALID_ORDER_STATE = "INVALID_ORDER_STATE"
    SUPPLIER_INACTIVE = "SUPPLIER_INACTIVE"
    OVER_RECEIPT = "OVER_RECEIPT"
    RECEIPT_REVERSED = "RECEIPT_REVERSED"
    INVALID_LEVELS = "INVALID_LEVELS"
    NOTHING_TO_REORDER = "NOTHING_TO_REORDER"
    COUNT_BELOW_RESERVED = "COUNT_BELOW_RESERVED"
    RETURN_EXCEEDS_STOCK = "RETURN_EXCEEDS_STOCK"
    ALREADY_CREDITED = "ALREADY_CREDITED"
    INVALID_CORE_STATE = "INVALID_CORE_STATE"
    NO_PREFERRED_SUPPLIER = "NO_PREFERRED_SUPPLIER"
    PART_ON_SHELF = "PART_ON_SHELF"
    # warehouses (add warehouse codes above this line)
    INVALID_WEBHOOK_URL = "INVALID_WEBHOOK_URL"
    WEBHOOK_ADDRESS_REFUSED = "WEBHOOK_ADDRESS_REFUSED"
    UNKNOWN_WEBHOOK_EVENT = "UNKNOWN_WEBHOOK_EVENT"
    WEBHOOK_ENDPOINT_INACTIVE = "WEBHOOK_ENDPOINT_INACTIVE"
    WEBHOOK_DELIVERY_PENDING = "WEBHOOK_DELIVERY_PENDING"
    # webhooks (add webhook codes above this line)
    BAY_BOOKED = "BAY_BOOKED"
    TECHNICIAN_BOOKED = "TECHNICIAN_BOOKED"
    INVALID_APPOINTMENT_STATE = "INVALID_APPOINTMENT_STATE"
    BAY_WRONG_STREAM = "BAY_WRONG_STREAM"
    BAY_INACTIVE = "BAY_INACTIVE"
    SITE_CLOSED = "SITE_CLOSED"
    SITE_CLOSED_DAY = "SITE_CLOSED_DAY"
    ALLOCATION_ENDS_BEFORE_START = "ALLOCATION_ENDS_BEFORE_START"
    INVALID_OPENING_HOURS = "INVALID_OPENING_HOURS"
    INVALID_ICS = "INVALID_ICS"
    ICS_NO_HOLIDAYS = "ICS_NO_HOLIDAYS"
    TECHNICIAN_NOT_WORKING = "TECHNICIAN_NOT_WORKING"
    OUTSIDE_HOURS_NOT_ALLOWED = "OUTSIDE_HOURS_NOT_ALLOWED"
    SLOT_TAKEN = "SLOT_TAKEN"
    BOOKING_CUT_OFF = "BOOKING_CUT_OFF"
    ALREADY_BOOKED = "ALREADY_BOOKED"
    SERVICES_MIXED = "SERVICES_MIXED"
    BOOKING_TIME_PASSED = "BOOKING_TIME_PASSED"
    BOOKING_TOO_SOON = "BOOKING_TOO_SOON"
    # scheduling (add scheduling codes above this line)
    NOT_A_TECHNICIAN_FOR_SHIFTS = "NOT_A_TECHNICIAN_FOR_SHIFTS"
    INVALID_TIME_OF_DAY = "INVALID_TIME_OF_DAY"
    TOO_MANY_SHIFTS = "TOO_MANY_SHIFTS"
    TOO_MANY_BREAKS = "TOO_MANY_BREAKS"
    BREAK_OUTSIDE_SHIFT = "BREAK_OUTSIDE_SHIFT"
    BREAKS_OVERLAP = "BREAKS_OVERLAP"
    SHIFTS_OVERLAP = "SHIFTS_OVERLAP"
    ENDS_BEFORE_START = "ENDS_BEFORE_START"
    INVALID_GRACE_MINUTES = "INVALID_GRACE_MINUTES"
    ALREADY_CLOCKED_IN = "ALREADY_CLOCKED_IN"
    NOT_CLOCKED_IN = "NOT_CLOCKED_IN"
    ALREADY_ON_BREAK = "ALREADY_ON_BREAK"
    NOT_ON_BREAK = "NOT_ON_BREAK"
    BREAK_WITHOUT_SHIFT = "BREAK_WITHOUT_SHIFT"
    CLOCK_OVERLAP = "CLOCK_OVERLAP"
    CLOCK_IN_FUTURE = "CLOCK_IN_FUTURE"
    BREAK_OUTSIDE_ATTENDANCE = "BREAK_OUTSIDE_ATTENDANCE"
    # workforce (add workforce codes above this line)


MESSAGES: dict[ErrorCode, str] = {
    ErrorCode.REQUIRED: N_("This field is required."),
    ErrorCode.TOO_LONG: N_("Must be at most {max} characters."),
    ErrorCode.TOO_SHORT: N_("Must be at least {min} characters."),
    ErrorCode.INVALID_VALUE: N_("This value is not valid."),
    ErrorCode.INVALID_EMAIL: N_("Enter a valid email address."),
    ErrorCode.INVALID_PHONE: N_("Enter a valid phone number."),
    ErrorCode.NOT_FOUND: N_("Not found."),
    ErrorCode.ALREADY_EXISTS: N_("This already exists."),
    ErrorCode.PAGE_SIZE_TOO_LARGE: N_("Ask for at most {max} items at a time."),
    ErrorCode.INVALID_CURSOR: N_("The page cursor is not valid."),
    ErrorCode.CONFLICT: N_("Someone else changed this record; reload it and try again."),
    ErrorCode.INVALID_CREDENTIALS: N_("The email or password is wrong."),
    ErrorCode.ACCOUNT_DEACTIVATED: N_("This account has been deactivated."),
    ErrorCode.TOO_MANY_ATTEMPTS: N_("Too many sign-in attempts. Try again in {minutes} minutes."),
    ErrorCode.INVALID_REFRESH_TOKEN: N_("Your session has expired. Sign in again."),
    ErrorCode.REFRESH_TOKEN_REUSED: N_("This session was used twice and has been closed for safety. Sign in again."),
    ErrorCode.EMAIL_TAKEN: N_("A user with this email already exists."),
    ErrorCode.PASSWORD_TOO_SHORT: N_("The password must have at least {min} characters."),
    ErrorCode.STREAMS_ONLY_FOR_TECHNICIANS: N_("Only technicians have operations streams."),
    ErrorCode.TECHNICIAN_NEEDS_STREAM: N_("A technician needs at least one operations stream."),
    ErrorCode.CANNOT_DEACTIVATE_SELF: N_("You cannot deactivate your own account."),
    ErrorCode.INVALID_TIME_ZONE: N_("Unknown time zone."),
    ErrorCode.INVALID_CURRENCY: N_("Unknown currency code."),
    ErrorCode.INVALID_TAX_RATE: N_("The tax rate must be between 0 and 100 percent."),
    ErrorCode.INVALID_TAX_ID: N_(
        "This tax ID is not valid: a Thai tax ID has 13 digits and the last one is a check digit."
    ),
    ErrorCode.INVALID_SCOPE: N_("Unknown API key scope."),
    ErrorCode.FORBIDDEN: N_("An API key cannot create, promote, change or deactivate a user who manages users or "
                            "API keys. Ask an administrator to do it."),
    ErrorCode.ALREADY_SET_UP: N_("This installation is already set up. Sign in, or ask your administrator for an "
                                 "invitation."),
    ErrorCode.SIGNUP_CLOSED: N_("New garages cannot sign up here. Ask the operator of this installation."),
    ErrorCode.TOO_MANY_SIGNUPS: N_("Too many garages were created from here. Try again in {minutes} minutes."),
    ErrorCode.INVITATION_INVALID: N_("This invitation link is not valid. Ask your administrator for a new one."),
    ErrorCode.INVITATION_EXPIRED: N_("This invitation has expired. Ask your administrator to send it again."),
    ErrorCode.INVITATION_USED: N_("This invitation has already been used. Sign in with your email and password."),
    ErrorCode.INVITATION_REVOKED: N_("This invitation was withdrawn. Ask your administrator for a new one."),
    ErrorCode.SITE_REQUIRED: N_("Add at least one site."),
    ErrorCode.INVALID_REGISTRATION: N_("Enter a registration of 1 to 12 letters and digits."),
    ErrorCode.REGISTRATION_TAKEN: N_("Registration {registration} is already on file."),
    ErrorCode.INVALID_VIN: N_("A VIN has 17 letters and digits, without I, O or Q."),
    ErrorCode.VIN_CHECK_DIGIT: N_("VIN {vin}: its check digit (the 9th character) does not match; "
                                  "look for a mistyped character."),
    ErrorCode.VIN_TAKEN: N_("VIN {vin} is already on file."),
    ErrorCode.INVALID_YEAR: N_("Enter a year between {min} and {max}."),
    ErrorCode.MILEAGE_DECREASE_NEEDS_REASON: N_(
        "The reading {mileage} is lower than the last one ({last}); give a reason."
    ),
    ErrorCode.ALREADY_OWNER: N_("This customer already owns the vehicle."),
    ErrorCode.INVALID_TRANSITION: N_("A job that is {status} cannot do that."),
    ErrorCode.NOT_YOUR_JOB: N_("This job is assigned to another technician."),
    ErrorCode.TECHNICIAN_NOT_ACTIVE: N_("This technician's account is not active."),
    ErrorCode.NOT_A_TECHNICIAN: N_("Jobs can only be assigned to technicians."),
    ErrorCode.WRONG_STREAM: N_("This technician does not work in the {stream} stream."),
    ErrorCode.NO_TECHNICIAN_IN_STREAM: N_(
        "No technician works in the {stream} stream. A workshop manager can assign another technician and give "
        "the reason."
    ),
    ErrorCode.REASON_REQUIRED: N_("Give a reason."),
    ErrorCode.PARTS_PENDING: N_("Parts requests are still pending: {requests}."),
    ErrorCode.TASKS_OPEN: N_("Tasks are still open: {tasks}."),
    ErrorCode.TASK_COMPLETED: N_("This task is already completed."),
    ErrorCode.TASK_NOT_COMPLETED: N_("This task is not completed."),
    ErrorCode.JOB_NOT_WORKABLE: N_("Work can be recorded only on a job in progress; this one is {status}."),
    ErrorCode.NOT_CLOCKED_ON: N_("You are not clocked on to this job."),
    ErrorCode.INVALID_PARTS_REQUEST_STATE: N_("A parts request that is {status} cannot do that."),
    ErrorCode.SKU_TAKEN: N_("SKU {sku} is already in use."),
    ErrorCode.INSUFFICIENT_STOCK: N_("Only {available} in stock; {requested} asked for."),
    ErrorCode.INVALID_QUANTITY: N_("Enter a quantity above zero."),
    ErrorCode.INVALID_AMOUNT: N_("Enter an amount of zero or more."),
    ErrorCode.ITEM_INACTIVE: N_("This item is no longer stocked."),
    ErrorCode.NEGATIVE_QUANTITY: N_("Enter a quantity of zero or more."),
    ErrorCode.ZERO_ADJUSTMENT: N_("An adjustment must add or remove at least one."),
    ErrorCode.INVALID_MILEAGE: N_("Enter a mileage between {min} and {max}."),
    ErrorCode.INVALID_PERIOD: N_("The period must end on or after the day it starts."),
    ErrorCode.PERIOD_TOO_LONG: N_("A period can span at most {days} days."),
    ErrorCode.QUOTE_NOT_EDITABLE: N_("A quote that is {status} cannot be changed; only a draft can."),
    ErrorCode.INVALID_QUOTE_STATE: N_("A quote that is {status} cannot do that."),
    ErrorCode.LINE_ALREADY_DECIDED: N_("The customer has already decided on this line."),
    ErrorCode.JOB_VEHICLE_MISMATCH: N_("This job is for another vehicle."),
    ErrorCode.INVOICE_NOT_EDITABLE: N_(
        "An invoice that is {status} cannot be changed or deleted; correct it with a credit note."
    ),
    ErrorCode.INVALID_INVOICE_STATE: N_("An invoice that is {status} cannot do that."),
    ErrorCode.INVOICE_EXISTS: N_("This job already has an invoice."),
    ErrorCode.NOTHING_TO_INVOICE: N_("There is nothing to invoice: no completed tasks and no issued parts."),
    ErrorCode.NO_LINES: N_("Add at least one line."),
    ErrorCode.DISCOUNT_TOO_LARGE: N_("The discount is larger than the line's amount."),
    ErrorCode.OVERPAYMENT: N_("This is more than the balance due of {balance}."),
    ErrorCode.CREDIT_EXCEEDS_LINE: N_("Only {remaining} of this line is left to credit."),
    ErrorCode.REFUND_METHOD_REQUIRED: N_("The customer gets {amount} back; say how it is refunded."),
    ErrorCode.TAX_INVOICE_BUYER_INCOMPLETE: N_(
        "A full tax invoice needs the buyer's {missing}. Complete the customer's details, then issue it."
    ),
    ErrorCode.TAX_INVOICE_SELLER_INCOMPLETE: N_(
        "A tax invoice needs the seller's {missing}. Complete the garage or site settings, then issue it."
    ),
    ErrorCode.INVALID_BRANCH_CODE: N_("Enter 00000 for the head office or the 5-digit branch number, such as 00001."),
    ErrorCode.INVALID_PROMPTPAY_ID: N_(
        "A PromptPay ID is a 10-digit mobile number, a 13-digit tax ID or a 15-digit e-wallet ID."
    ),
    ErrorCode.INVALID_BILLER_ID: N_("A biller ID has 15 digits: the garage's 13-digit tax ID and a 2-digit suffix."),
    # billing messages (add above this line)
    ErrorCode.INSPECTION_COMPLETED: N_("This inspection is completed and can no longer be changed."),
    ErrorCode.INSPECTION_PHOTO_REQUIRED: N_("“{item}” needs a photo before the inspection can be completed."),
    ErrorCode.INSPECTION_ITEM_UNKNOWN: N_("This inspection has no item “{key}”."),
    ErrorCode.INSPECTION_LIMITS: N_(
        "A measurement needs a unit and both limits, the urgent limit on the bad side of the advise limit."),
    ErrorCode.INSPECTION_KEY_TAKEN: N_("The key “{key}” is used twice in this template."),
    ErrorCode.NOT_A_FINDING: N_("Only an item rated advise or urgent can become a quote line."),
    ErrorCode.FINDING_ALREADY_QUOTED: N_("This finding is already on a quote."),
    # inspection messages (add above this line)
    ErrorCode.NOTIFICATION_NOT_RETRYABLE: N_("A message that is {status} cannot be sent again; only a failed or cancelled one can."),
    ErrorCode.INVALID_PUSH_SUBSCRIPTION: N_("This browser's push subscription is not valid; turn notifications off and on again."),
    ErrorCode.INVALID_LEAD_DAYS: N_("Give 1 to {count} reminder lead times, each from 1 to {max} days."),
    ErrorCode.INVALID_SERVICE_INTERVAL: N_("Enter a service interval from {min} to {max}."),
    ErrorCode.INVALID_SERVICE_DATE: N_("The last service date cannot be in the future."),
    ErrorCode.UNKNOWN_TEMPLATE: N_("There is no {channel} message for this event."),
    ErrorCode.TEMPLATE_SYNTAX: N_("Line {line}: the template cannot be read ({detail})."),
    ErrorCode.TEMPLATE_UNKNOWN_VARIABLE: N_("Line {line}: there is no variable {name}. You can use: {names}."),
    ErrorCode.TEMPLATE_NOT_ALLOWED: N_("Line {line}: the template uses something that is not allowed."),
    # notification messages (add above this line)
    ErrorCode.PORTAL_LINK_INVALID: N_("This link is not valid. Please check the message or call the garage."),
    ErrorCode.PORTAL_LINK_EXPIRED: N_("This link has expired. Please call the garage for a new one."),
    ErrorCode.PORTAL_LINK_REVOKED: N_("This link has been withdrawn by the garage. Please call the garage for a new one."),
    ErrorCode.RATE_LIMITED: N_("Too many requests. Please try again later (in {minutes} min)."),
    ErrorCode.CODE_INVALID: N_("The code is not right. Check the latest message and try again."),
    ErrorCode.CODE_EXPIRED: N_("The code has expired. Ask for a new code."),
    ErrorCode.CODE_LOCKED: N_("The code was entered wrongly too many times. Ask for a new code."),
    ErrorCode.NO_CONTACT: N_("We have no {channel} on file to send a code to. Please call the garage."),
    ErrorCode.QUOTE_CHANGED: N_("The garage has changed this quote since you opened it. Please look at it again."),
    ErrorCode.INVALID_LINK_DAYS: N_("Enter a number of days from {min} to {max}."),
    # portal messages (add above this line)
    ErrorCode.SAME_WAREHOUSE: N_("A transfer needs two different warehouses."),
    ErrorCode.INVALID_TRANSFER_STATE: N_("A transfer that is {status} cannot do that."),
    ErrorCode.NOT_AVAILABLE: N_("{item}: only {available} available in {warehouse}; {requested} asked for."),
    ErrorCode.DUPLICATE_ITEM: N_("This item is already on another line."),
    ErrorCode.NOT_CENTRAL_WAREHOUSE: N_("A site asks the central warehouse for stock."),
    ErrorCode.INVALID_ORDER_STATE: N_("A purchase order that is {status} cannot do that."),
    ErrorCode.SUPPLIER_INACTIVE: N_("This supplier is no longer used."),
    ErrorCode.OVER_RECEIPT: N_("Only {outstanding} still to come on this line; {received} received. Give a reason to keep the extra."),
    ErrorCode.RECEIPT_REVERSED: N_("This receipt has already been undone."),
    ErrorCode.INVALID_LEVELS: N_("The maximum must be at least the minimum."),
    ErrorCode.NOTHING_TO_REORDER: N_("Nothing needs ordering: no item with a preferred supplier is at or under its minimum."),
    ErrorCode.COUNT_BELOW_RESERVED: N_("{reserved} of these are held for approved parts requests here; release or issue them before counting fewer."),
    ErrorCode.RETURN_EXCEEDS_STOCK: N_("{item}: only {available} available in {warehouse} to send back; {requested} asked for."),
    ErrorCode.ALREADY_CREDITED: N_("The supplier's credit note {number} is already recorded for this."),
    ErrorCode.INVALID_CORE_STATE: N_("A core charge that is {status} cannot do that."),
    ErrorCode.NO_PREFERRED_SUPPLIER: N_("{item} has no preferred supplier: choose the supplier to order it from."),
    ErrorCode.PART_ON_SHELF: N_("{available} of these are available on the shelf already; nothing needs ordering."),
    # warehouse messages (add above this line)
    ErrorCode.INVALID_WEBHOOK_URL: N_("Enter a full web address starting with https:// (or http://), without a "
                                      "user name or password."),
    ErrorCode.WEBHOOK_ADDRESS_REFUSED: N_("{host} is a private or local address; webhooks are sent only to public "
                                          "addresses."),
    ErrorCode.UNKNOWN_WEBHOOK_EVENT: N_("Unknown event {event}. Choose from: {events}."),
    ErrorCode.WEBHOOK_ENDPOINT_INACTIVE: N_("This endpoint is switched off. Switch it on first."),
    ErrorCode.WEBHOOK_DELIVERY_PENDING: N_("This delivery is still being sent; wait for its result."),
    # webhook messages (add above this line)
    ErrorCode.BAY_BOOKED: N_("{bay} is already booked from {start} to {end} for {appointment}."),
    ErrorCode.TECHNICIAN_BOOKED: N_("{technician} is already booked from {start} to {end} for {appointment}."),
    ErrorCode.INVALID_APPOINTMENT_STATE: N_("An appointment that is {status} cannot do that."),
    ErrorCode.BAY_WRONG_STREAM: N_("{bay} does not take {stream} work."),
    ErrorCode.BAY_INACTIVE: N_("{bay} is out of use."),
    ErrorCode.SITE_CLOSED: N_("The site is closed at {time}; book within its opening hours."),
    ErrorCode.SITE_CLOSED_DAY: N_("The site is closed on {day} ({name})."),
    ErrorCode.ALLOCATION_ENDS_BEFORE_START: N_("A booking must end after it starts, within {days} days."),
    ErrorCode.INVALID_OPENING_HOURS: N_(
        "Opening hours run between 00:00 and 24:00, each range closing after it opens and not overlapping another."),
    ErrorCode.INVALID_ICS: N_("This file cannot be read as a calendar (.ics); nothing was imported."),
    ErrorCode.ICS_NO_HOLIDAYS: N_("This calendar has no all-day events; nothing was imported."),
    ErrorCode.TECHNICIAN_NOT_WORKING: N_("{technician} is not working at {time} (outside their shift, or on leave); "
                                         "book within their working time."),
    ErrorCode.OUTSIDE_HOURS_NOT_ALLOWED: N_("Only a manager may book outside the opening hours or a technician's "
                                            "shift."),
    ErrorCode.SLOT_TAKEN: N_("This time is no longer free. Please pick another."),
    ErrorCode.BOOKING_CUT_OFF: N_("Less than {hours} hours before the appointment it can no longer be changed online. "
                                  "Please call the garage."),
    ErrorCode.ALREADY_BOOKED: N_("You already have an appointment booked with this link: move or cancel it instead."),
    ErrorCode.SERVICES_MIXED: N_("These services are booked separately: pick services of one kind of work."),
    ErrorCode.BOOKING_TIME_PASSED: N_("That time has already passed: please pick a later one."),
    ErrorCode.BOOKING_TOO_SOON: N_("Please ask for a time at least {hours} hours from now."),
    # scheduling messages (add above this line)
    ErrorCode.NOT_A_TECHNICIAN_FOR_SHIFTS: N_("Shifts, leave and the attendance clock are for technicians only."),
    ErrorCode.INVALID_TIME_OF_DAY: N_("Enter a time of day as HH:MM, from 00:00 to 23:59."),
    ErrorCode.TOO_MANY_SHIFTS: N_("A weekly pattern has at most {max} shifts."),
    ErrorCode.TOO_MANY_BREAKS: N_("A shift has at most {max} breaks."),
    ErrorCode.BREAK_OUTSIDE_SHIFT: N_("A break must start after the shift starts and end before it ends."),
    ErrorCode.BREAKS_OVERLAP: N_("This break overlaps another break of the shift."),
    ErrorCode.SHIFTS_OVERLAP: N_("This shift overlaps another shift of the week."),
    ErrorCode.ENDS_BEFORE_START: N_("The end must be after the start."),
    ErrorCode.INVALID_GRACE_MINUTES: N_("Enter a grace time from 0 to {max} minutes."),
    ErrorCode.ALREADY_CLOCKED_IN: N_("You are already clocked in (since {since})."),
    ErrorCode.NOT_CLOCKED_IN: N_("You are not clocked in."),
    ErrorCode.ALREADY_ON_BREAK: N_("You are already on a break (since {since})."),
    ErrorCode.NOT_ON_BREAK: N_("You are not on a break."),
    ErrorCode.BREAK_WITHOUT_SHIFT: N_("Clock in before you start a break."),
    ErrorCode.CLOCK_OVERLAP: N_("This overlaps the technician's other entry from {start} to {end}."),
    ErrorCode.CLOCK_IN_FUTURE: N_("A clock entry cannot start or end in the future."),
    ErrorCode.BREAK_OUTSIDE_ATTENDANCE: N_("A break must lie inside one of the technician's clocked-in shifts."),
    # workforce messages (add above this line)
}


def _in(value: object, locale: str | None) -> object:
    """A parameter kept in each language ({"en": ..., "th": ...}, e.g. task names) reads in the message's language."""
    if isinstance(value, dict) and "en" in value:
        return value.get((locale or "en")[:2]) or value["en"]
    return value


class DomainError(Exception):
    """An expected failure: bad input or a broken business rule. Nothing the caller asked for has happened."""

    def __init__(self, code: ErrorCode, field: str | None = None, **params: object) -> None:
        super().__init__(code.value)
        self.code = code
        self.field = field
        self.params = params

    def message(self, locale: str | None) -> str:
        return translate(locale, MESSAGES[self.code], **{k: _in(v, locale) for k, v in self.params.items()})


class DomainErrors(Exception):
    """Several field errors found at once (a form with two bad fields gets both)."""

    def __init__(self, errors: list[DomainError]) -> None:
        super().__init__(", ".join(e.code.value for e in errors))
        self.errors = errors


class Collector:
    """Gathers field errors so a service can report all of them, then raise once."""

    def __init__(self) -> None:
        self.errors: list[DomainError] = []

    def add(self, code: ErrorCode, field: str | None = None, **params: object) -> None:
        self.errors.append(DomainError(code, field, **params))

    def raise_if_any(self) -> None:
        if len(self.errors) == 1:
            raise self.errors[0]
        if self.errors:
            raise DomainErrors(self.errors)
