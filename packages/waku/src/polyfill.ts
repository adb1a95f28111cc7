/**
 * libp2p 2.x dependencies (it-queue, mortice) call `Promise.withResolvers`, which Node 20 lacks (Node >= 22
 * has it). This module must be imported before anything from libp2p or @waku, so the package entry imports it
 * first. It only fills the gap: a native implementation is never replaced.
 */
interface Resolvers<T> {
  promise: Promise<T>;
  resolve: (value: T | PromiseLike<T>) => void;
  reject: (reason?: unknown) => void;
}

const P = Promise as unknown as { withResolvers?: <T>() => Resolvers<T> };

if (typeof P.withResolvers !== "function") {
  P.withResolvers = <T>(): Resolvers<T> => {
    let resolve!: Resolvers<T>["resolve"];
    let reject!: Resolvers<T>["reject"];
    const promise = new Promise<T>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise, resolve, reject };
  };
}

export {};
