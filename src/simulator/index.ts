/** The WhatsApp network simulator: a protocol server, virtual phones, and a control API. */
export { startSimulator, Simulator, REAL_QR_TIMING, type SimulatorOptions } from './simulator.js';
export { VirtualPhone, type LinkedDeviceView } from './virtual-phone.js';
export { SimulatorError, type SimulatorErrorCode } from './errors.js';
export type { Fault } from './simulated-network.js';
export type { InboxMessage, NewPhone } from './directory.js';
export type { SimulatorEventMap } from './simulator-events.js';
