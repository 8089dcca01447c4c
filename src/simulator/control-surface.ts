/**
 * What the control API and the phone UI drive: the running simulator seen from its HTTP routes.
 * `Simulator` implements it; the routes depend on this interface, not on simulator.ts, so the
 * simulator can mount its routes without an import circle.
 */
import type { NewPhone } from './directory.js';
import type { KeepAlivePace } from './keep-alive-pace.js';
import type { Fault, SimulatedNetwork } from './simulated-network.js';
import type { StateAtStart, StateCounts } from './state-file.js';
import type { VirtualPhone } from './virtual-phone.js';

export interface SimulatorControl {
  readonly network: SimulatedNetwork;
  readonly protocolUrl: string;
  readonly controlUrl: string;
  readonly rootPublicKey: Uint8Array;
  /** What the state file held at start (undefined: the simulator runs without one). */
  readonly stateAtStart: StateAtStart | undefined;
  createPhone(spec: NewPhone): VirtualPhone;
  phone(number: string): VirtualPhone;
  phones(): VirtualPhone[];
  injectFault(fault: Fault): void;
  /** Keep-alive pings answered per second (and the simulator's own loop delay), for benchmarks. */
  readonly keepAlivePace: KeepAlivePace;
  /** Writes the state file now. */
  saveState(): Promise<StateCounts>;
}
