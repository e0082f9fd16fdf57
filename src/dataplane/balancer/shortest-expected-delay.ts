import { WeightedLeastConnectionsBalancer } from './weighted-least-connections.ts';

/**
 * ipvs `sed` (ipvsadm(8): "assigns an incoming job to the server with the shortest expected
 * delay … (Ci + 1) / Ui"; net/netfilter/ipvs/ip_vs_sed.c ip_vs_sed_dest_overhead = activeconns
 * + 1): like wlc with one more connection counted, so an idle heavy server beats an idle light
 * one. O(n) per pick, as in the kernel.
 */
export class ShortestExpectedDelayBalancer extends WeightedLeastConnectionsBalancer {
  override readonly policy: 'shortest-expected-delay' | 'never-queue' = 'shortest-expected-delay';

  protected override overhead(c: number): number {
    return c + 1;
  }
}
