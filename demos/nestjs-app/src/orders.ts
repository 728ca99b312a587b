// What the app's HTTP side and its handler share: the stream and an order.
import { Injectable } from '@nestjs/common';

/** The stream orders are published to and handled from. */
export const ORDERS = 'app-orders';
/** The cursor the handler commits to: a restart resumes after the last handled order. */
export const ORDERS_CURSOR = 'orders-app';

export interface Order {
  id: number;
  item: string;
}

/** What the handler did (GET /orders/handled shows it). */
@Injectable()
export class HandledOrders {
  readonly orders: Array<Order & { offset: string }> = [];
}
