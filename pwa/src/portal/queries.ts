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
