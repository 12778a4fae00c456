import type { ProblemCode } from '../../problems/problem-catalog';

export const REFUSALS = 'ledger:refusals';

/**
 * The refusals a route (or every route of a controller) can answer with, beyond those its
 * parameters, body and access rules bring; the OpenAPI document lists them under their statuses.
 * Several uses add up.
 */
export function Refuses(...codes: ProblemCode[]): MethodDecorator & ClassDecorator {
  return (target: object, _key?: string | symbol, descriptor?: PropertyDescriptor) => {
    const holder = descriptor ? (descriptor.value as object) : target;
    const known = (Reflect.getMetadata(REFUSALS, holder) as ProblemCode[] | undefined) ?? [];
    Reflect.defineMetadata(REFUSALS, [...known, ...codes], holder);
  };
}
