/**
 * An error the local exchange server answers with, as Binance does: HTTP status plus a JSON body
 * `{"code": -5022, "msg": "..."}`. ccxt maps the code to its error classes (-1022 → AuthenticationError,
 * -5022 → InvalidOrder, -2011 → OrderNotFound, …).
 */
export class BinanceError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly httpStatus = 400,
  ) {
    super(message);
  }

  body(): string {
    return JSON.stringify({ code: this.code, msg: this.message });
  }
}

/** The Binance USD-M error codes the server uses, with Binance's own messages. */
export const ERRORS = {
  badSignature: () => new BinanceError(-1022, 'Signature for this request is not valid.', 400),
  badApiKey: () => new BinanceError(-2015, 'Invalid API-key, IP, or permissions for action.', 401),
  missingApiKey: () => new BinanceError(-2014, 'API-key format invalid.', 401),
  timestamp: () => new BinanceError(-1021, 'Timestamp for this request is outside of the recvWindow.', 400),
  missing: (name: string) => new BinanceError(-1102, `Mandatory parameter '${name}' was not sent, was empty/null, or malformed.`, 400),
  badParam: (name: string) => new BinanceError(-1102, `Param '${name}' is malformed.`, 400),
  badSymbol: () => new BinanceError(-1121, 'Invalid symbol.', 400),
  badSide: () => new BinanceError(-1117, 'Invalid side.', 400),
  badType: () => new BinanceError(-1116, 'Invalid orderType.', 400),
  badTimeInForce: () => new BinanceError(-1115, 'Invalid timeInForce.', 400),
  priceTick: () => new BinanceError(-4014, 'Price not increased by tick size.', 400),
  qtyStep: () => new BinanceError(-4023, 'Quantity not increased by step size.', 400),
  qtyTooSmall: () => new BinanceError(-4003, 'Quantity less than or equal to zero.', 400),
  priceTooSmall: () => new BinanceError(-4001, 'Price less than 0.', 400),
  priceBelowMin: () => new BinanceError(-4013, 'Price less than min price.', 400),
  priceAboveMax: () => new BinanceError(-4002, 'Price greater than max price.', 400),
  priceAboveMultiplier: (cap: string) => new BinanceError(-4016, `Limit price can't be higher than ${cap}.`, 400),
  priceBelowMultiplier: (floor: string) => new BinanceError(-4024, `Limit price can't be lower than ${floor}.`, 400),
  qtyBelowMin: () => new BinanceError(-4004, 'Quantity less than min quantity.', 400),
  qtyAboveMax: () => new BinanceError(-4005, 'Quantity greater than max quantity.', 400),
  recvWindow: () => new BinanceError(-1131, 'recvWindow must be less than 60000', 400),
  bodyTooLarge: () => new BinanceError(-1000, 'Request body too large.', 413),
  postOnlyWouldCross: () =>
    new BinanceError(-5022, 'Due to the order could not be executed as maker, the Post Only order will be rejected.', 400),
  reduceOnly: () => new BinanceError(-2022, 'ReduceOnly Order is rejected.', 400),
  unknownOrder: () => new BinanceError(-2011, 'Unknown order sent.', 400),
  noSuchOrder: () => new BinanceError(-2013, 'Order does not exist.', 400),
  duplicateClientId: () => new BinanceError(-4015, 'Client order id is not valid.', 400),
  noMarket: () => new BinanceError(-1000, 'The market has no book yet.', 400),
  notFound: (path: string) => new BinanceError(-5000, `Path ${path} not found.`, 404),
};
