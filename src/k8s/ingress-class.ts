// Which Ingresses Portico serves (SPEC §1.6).

import type { Ingress, IngressClass } from './types.ts';

export const LEGACY_CLASS_ANNOTATION = 'kubernetes.io/ingress.class';
export const DEFAULT_CLASS_ANNOTATION = 'ingressclass.kubernetes.io/is-default-class';

export interface ClassOptions {
  /** Our `IngressClass.spec.controller` value. */
  readonly controllerName: string;
  /** Legacy annotation value, also accepted as an IngressClass name. */
  readonly ingressClass: string;
  /** Serve Ingresses that carry no class at all. */
  readonly watchWithoutClass: boolean;
}

export interface ClassDecision {
  readonly served: boolean;
  /** Why, for debug views and for the diagnostic when a class name looks meant for us. */
  readonly why: string;
}

/**
 * IngressClasses that are ours: `spec.controller` equals our controller name, or the class is
 * named like our `ingressClass` (ingress-nginx `--ingress-class-by-name`, SPEC §1.6 [choice]).
 */
export function ourIngressClasses(classes: readonly IngressClass[], opts: ClassOptions): IngressClass[] {
  return classes.filter((c) => c?.spec?.controller === opts.controllerName || c?.metadata?.name === opts.ingressClass);
}

export class IngressClassSelector {
  private readonly ours: ReadonlySet<string>;
  private readonly known: ReadonlySet<string>;
  private readonly acceptClassless: boolean;
  private readonly opts: ClassOptions;

  constructor(classes: readonly IngressClass[], opts: ClassOptions) {
    const ours = ourIngressClasses(classes, opts);
    this.opts = opts;
    this.ours = new Set(ours.map((c) => c.metadata?.name ?? ''));
    this.known = new Set(classes.map((c) => c?.metadata?.name ?? ''));
    // A default IngressClass of ours claims class-less Ingresses too: the admission plugin fills
    // the field only on create, so older objects keep no class (SPEC §1.6).
    this.acceptClassless = opts.watchWithoutClass ||
      ours.some((c) => c.metadata?.annotations?.[DEFAULT_CLASS_ANNOTATION] === 'true');
  }

  decide(ing: Ingress): ClassDecision {
    const className = ing?.spec?.ingressClassName;
    if (typeof className === 'string' && className !== '') {
      // The field wins over the legacy annotation (ingress-nginx order, SPEC §1.6).
      if (this.ours.has(className)) return { served: true, why: `IngressClass ${className} is ours` };
      if (!this.known.has(className)) {
        // Conformance §2.4: a class that does not exist is never served, even when its name is
        // our ingressClass value (the IngressClass object is what binds a class to a controller).
        return { served: false, why: `IngressClass ${className} does not exist` };
      }
      return { served: false, why: `IngressClass ${className} belongs to another controller` };
    }
    const legacy = ing?.metadata?.annotations?.[LEGACY_CLASS_ANNOTATION];
    if (typeof legacy === 'string' && legacy !== '') {
      return legacy === this.opts.ingressClass
        ? { served: true, why: `annotation ${LEGACY_CLASS_ANNOTATION}=${legacy}` }
        : { served: false, why: `annotation ${LEGACY_CLASS_ANNOTATION}=${legacy} is not ours` };
    }
    return this.acceptClassless
      ? { served: true, why: 'no class; Portico serves class-less Ingresses' }
      : { served: false, why: 'no class; class-less Ingresses are not served' };
  }
}

/** Convenience for one Ingress. */
export function isIngressServed(ing: Ingress, classes: readonly IngressClass[], opts: ClassOptions): boolean {
  return new IngressClassSelector(classes, opts).decide(ing).served;
}
