// Purchase orders as the warehouse screens read them (the orders list, receiving).
import { ERRORS } from '../common';

export const ORDER = `id number status total note cancelReason expectedDate sentAt createdAt version
  supplier { id name } warehouse { id name }
  lines { id itemId quantity unitCost receivedQuantity outstanding item { sku name unit } }
  receipts { id lineId quantity unitCost deliveryNote overrideReason reversesId reversed createdAt }`;

export interface OrderLine {
  id: string;
  itemId: string;
  quantity: number;
  unitCost: number;
  receivedQuantity: number;
  outstanding: number;
  item: { sku: string; name: string; unit: string } | null;
}

export interface Receipt {
  id: string;
  lineId: string;
  quantity: number;
  unitCost: number;
  deliveryNote: string | null;
  overrideReason: string | null;
  reversesId: string | null;
  reversed: boolean;
  createdAt: string;
}

export interface Order {
  id: string;
  number: string;
  status: string;
  total: number;
  note: string | null;
  cancelReason: string | null;
  expectedDate: string | null;
  sentAt: string | null;
  createdAt: string;
  version: number;
  supplier: { id: string; name: string } | null;
  warehouse: { id: string; name: string } | null;
  lines: OrderLine[];
  receipts: Receipt[];
}

export interface OrderPayload {
  purchaseOrder: Order | null;
  errors: { field: string | null; code: string; message: string }[];
}

export const ORDERS = `query PurchaseOrders($status: PurchaseOrderStatus, $after: String) {
  purchaseOrders(status: $status, first: 20, after: $after) { edges { node { ${ORDER} } } pageInfo { hasNextPage endCursor } }
}`;
export const ORDER_ONE = `query PurchaseOrder($id: ID!) { purchaseOrder(id: $id) { ${ORDER} } }`;
export const SUBMIT = `mutation SubmitPurchaseOrder($input: PurchaseOrderActionInput!) { submitPurchaseOrder(input: $input) { purchaseOrder { ${ORDER} } ${ERRORS} } }`;
export const APPROVE = `mutation ApprovePurchaseOrder($input: PurchaseOrderActionInput!) { approvePurchaseOrder(input: $input) { purchaseOrder { ${ORDER} } ${ERRORS} } }`;
export const SEND = `mutation SendPurchaseOrder($input: PurchaseOrderActionInput!) { sendPurchaseOrder(input: $input) { purchaseOrder { ${ORDER} } ${ERRORS} } }`;
export const CANCEL = `mutation CancelPurchaseOrder($input: CancelPurchaseOrderInput!) { cancelPurchaseOrder(input: $input) { purchaseOrder { ${ORDER} } ${ERRORS} } }`;
export const CREATE = `mutation CreatePurchaseOrder($input: CreatePurchaseOrderInput!) { createPurchaseOrder(input: $input) { purchaseOrder { ${ORDER} } ${ERRORS} } }`;
export const RECEIVE = `mutation ReceivePurchaseOrder($input: ReceivePurchaseOrderInput!) { receivePurchaseOrder(input: $input) { purchaseOrder { ${ORDER} } ${ERRORS} } }`;
export const REVERSE = `mutation ReversePurchaseReceipt($input: ReverseReceiptInput!) { reversePurchaseReceipt(input: $input) { purchaseOrder { ${ORDER} } ${ERRORS} } }`;
