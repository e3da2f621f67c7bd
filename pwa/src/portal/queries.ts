// The portal's operations, in one place (their names are what the server's audit log and rate limits see).

const PHOTO = 'thumbnailUrl url';

export const PORTAL_QUERY = `query Portal {
  portal {
    locale
    garage { name phone email address promptPayId currency }
    job {
      number status statusLabel promisedAt
      vehicle { registration make model }
      timeline { at status label }
    }
    inspections {
      id name completedAt
      counts { good advise urgent }
      results { itemKey sectionKey title condition value note photos { ${PHOTO} } }
    }
    quotes {
      id number version status statusLabel linesHash taxLabel total
      lines { id description quantity unitPrice taxAmount total decision photos { ${PHOTO} } }
    }
    invoices { number total balance pdfUrl promptPayQr }
    receipts { name url }
    documents { name url }
  }
}`;

export const PORTAL_JOB = `subscription PortalJob { portalJob { status approved total } }`;

export const SET_LOCALE = `mutation SetPortalLocale($locale: Locale!) {
  setPortalLocale(locale: $locale) { errors { field code message } }
}`;

export const REQUEST_CODE = `mutation RequestApprovalCode($input: RequestApprovalCodeInput!) {
  requestApprovalCode(input: $input) { sentTo errors { field code message } }
}`;

export const DECIDE_QUOTE = `mutation DecideQuote($input: DecideQuoteInput!) {
  decideQuote(input: $input) { errors { field code message } }
}`;
