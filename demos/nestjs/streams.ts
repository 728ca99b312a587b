/** The streams the demo app's handlers consume (the stack creates them when missing). */
export const ORDERS = 'nest-orders';
export const SUMS = 'nest-sums';
/** Where replies to send() come back (the client proxy creates it on first use). */
export const REPLIES = 'nest-replies';
/** The cursor the order handler commits to. */
export const ORDERS_CURSOR = 'nest-demo';
