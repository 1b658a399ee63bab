// The part of autocannon's API the benchmark uses (the package ships no types).
declare module 'autocannon' {
  type Context = Record<string, unknown>;
  type RawRequest = { method?: string; path?: string; headers?: Record<string, string>; body?: string };
  export type Request = RawRequest & {
    setupRequest?: (req: RawRequest, context: Context) => RawRequest | null;
    onResponse?: (status: number, body: string, context: Context) => void;
  };
  export type Histogram = { average: number; mean: number; p50: number; p90: number; p97_5: number; p99: number; p99_9: number; max: number; total: number };
  export type Result = { requests: Histogram; latency: Histogram; non2xx: number; errors: number; timeouts: number; duration: number; '2xx': number };
  export type Options = {
    url: string;
    connections?: number;
    duration?: number;
    overallRate?: number;
    headers?: Record<string, string>;
    requests?: Request[];
  };
  export default function autocannon(opts: Options): Promise<Result>;
}
