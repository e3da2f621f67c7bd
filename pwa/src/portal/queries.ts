// The portal's operations, in one place (their names are what the server's audit log and rate limits see).

const FILE = 'name contentType url thumbnailUrl';

export const PORTAL_QUERY = `query Portal {
  portal {
    locale
    garage { name phone email address promptPayId }
    job {
      number status statusLabel promisedAt
      vehicle { registration make model }
      timeline { at status label }
    }
    inspections {
      id name completedAt
      counts { good advise urgent }
      items { sectionTitle title condition value unit note photos { ${FILE} } }
    }
    quotes {
      id number version status statusLabel linesHash locked currency taxLabel total
      lines { id description quantity unitPrice taxAmount total decision photos { ${FILE} } }
    }
    invoices { number currency total balance pdfUrl promptPay { svg } }
    receipts { invoiceNumber amount currency paidOn pdfUrl }
    documents { ${FILE} }
  }
}`;

export const PORTAL_JOB = `subscription PortalJob { portalJob { status } }`;

export const SET_LOCALE = `mutation SetPortalLocale($locale: String!) {
  setPortalLocale(locale: $locale) { errors { field code message } }
}`;

export const REQUEST_CODE = `mutation RequestApprovalCode($input: RequestApprovalCodeInput!) {
  requestApprovalCode(input: $input) { sent channel errors { field code message } }
}`;

export const DECIDE_QUOTE = `mutation DecideQuote($input: DecideQuoteInput!) {
  decideQuote(input: $input) { errors { field code message } }
}`;

// ---- the booking page (/b/#<token>): Authorization: Booking <token>

const BOOKED = 'status statusLabel startsAt endsAt services serviceIds hours canChange customerConfirmed';

export const BOOKING_QUERY = `query Booking {
  booking {
    locale timeZone mode cutoffHours linkExpiresAt siteName customerName canSendSms canSendEmail stopSmsUrl
    garage { name phone email address }
    vehicle { registration make model }
    services { id name hours stream }
    appointment { ${BOOKED} }
    openingHours { weekday opensMinute closesMinute }
    closedDays { day name }
  }
}`;

export const BOOKING_SLOTS = `query BookingSlots($serviceIds: [ID!]!, $from: DateTime) {
  bookingSlots(serviceIds: $serviceIds, from: $from) { hours slots { startsAt endsAt } errors { field code message } }
}`;

export const SET_BOOKING_LOCALE = `mutation SetBookingLocale($locale: String!) {
  setBookingLocale(locale: $locale) { errors { field code message } }
}`;

export const REQUEST_BOOKING_CODE = `mutation RequestBookingCode($channel: CodeChannel!) {
  requestBookingCode(channel: $channel) { sent channel errors { field code message } }
}`;

export const BOOK_APPOINTMENT = `mutation BookAppointment($input: BookAppointmentInput!) {
  bookAppointment(input: $input) { booking { appointment { ${BOOKED} } } errors { field code message } }
}`;

export const MOVE_BOOKING = `mutation MoveBooking($startsAt: DateTime!) {
  moveBooking(startsAt: $startsAt) { booking { appointment { ${BOOKED} } } errors { field code message } }
}`;

export const CANCEL_BOOKING = `mutation CancelBooking($reason: String) {
  cancelBooking(reason: $reason) { booking { appointment { ${BOOKED} } } errors { field code message } }
}`;

export const CONFIRM_BOOKING = `mutation ConfirmBooking {
  confirmBooking { booking { appointment { ${BOOKED} } } errors { field code message } }
}`;

export const OPEN_BOOKING = `mutation OpenBooking { openBooking { url errors { field code message } } }`;
