/**
 * Logistic regression by Newton's method (iteratively reweighted least squares), with a small ridge
 * penalty so that a feature constant on the data (every member floating, say) leaves a finite
 * weight, and with weights that may be held non-negative: a weight that comes out negative is fixed
 * at zero and the others are fitted again (an active set).
 *
 * Columns are standardised inside the fit and the weights returned on the original scale.
 *
 * @internal
 */
import type * as Steps from "../Steps.ts"

export interface Fitted {
  readonly intercept: number
  readonly weights: ReadonlyArray<number>
}

export interface Options {
  /** Per column: whether its weight must not be negative. */
  readonly nonNegative?: ReadonlyArray<boolean>
  /** The ridge penalty on the standardised weights, per row. Default 1e-6. */
  readonly ridge?: number
  readonly maxIterations?: number
}

/** The logistic function. */
export const sigmoid = (x: number): number => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)))

/** The log-odds of a probability in (0, 1). */
export const logit = (p: number): number => Math.log(p / (1 - p))

/** Rows between steps. */
const ROWS_PER_STEP = 65_536

/** Solves the symmetric positive definite system `a x = b` (Cholesky; `a` is n × n, row-major). */
const solve = (a: Float64Array, b: Float64Array, n: number): Float64Array => {
  const l = new Float64Array(n * n)
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = a[i * n + j] as number
      for (let k = 0; k < j; k++) sum -= (l[i * n + k] as number) * (l[j * n + k] as number)
      l[i * n + j] = i === j ? Math.sqrt(Math.max(sum, 1e-12)) : sum / (l[j * n + j] as number)
    }
  }
  const y = new Float64Array(n)
  for (let i = 0; i < n; i++) {
    let sum = b[i] as number
    for (let k = 0; k < i; k++) sum -= (l[i * n + k] as number) * (y[k] as number)
    y[i] = sum / (l[i * n + i] as number)
  }
  const x = new Float64Array(n)
  for (let i = n - 1; i >= 0; i--) {
    let sum = y[i] as number
    for (let k = i + 1; k < n; k++) sum -= (l[k * n + i] as number) * (x[k] as number)
    x[i] = sum / (l[i * n + i] as number)
  }
  return x
}

/** Fits the columns that are `free`, the others held at zero: standardised intercept first, then one weight per column. */
function* newton(
  columns: ReadonlyArray<ArrayLike<number>>,
  labels: ArrayLike<number>,
  rows: number,
  free: ReadonlyArray<boolean>,
  ridge: number,
  maxIterations: number
): Steps.Steps<Fitted> {
  const used = columns.map((_, j) => j).filter((j) => free[j])
  const n = used.length + 1
  const mean = used.map((j) => {
    let s = 0
    for (let r = 0; r < rows; r++) s += columns[j]?.[r] as number
    return rows === 0 ? 0 : s / rows
  })
  const scale = used.map((j, u) => {
    let s = 0
    for (let r = 0; r < rows; r++) s += ((columns[j]?.[r] as number) - (mean[u] as number)) ** 2
    const sd = rows === 0 ? 0 : Math.sqrt(s / rows)
    return sd > 1e-12 ? sd : 1
  })
  const beta = new Float64Array(n)
  const x = new Float64Array(n)
  const penalty = ridge * rows
  for (let iteration = 0; iteration < maxIterations; iteration++) {
    const hessian = new Float64Array(n * n)
    const gradient = new Float64Array(n)
    for (let r = 0; r < rows; r++) {
      x[0] = 1
      for (let u = 0; u < used.length; u++) x[u + 1] = ((columns[used[u] as number]?.[r] as number) - (mean[u] as number)) / (scale[u] as number)
      let eta = 0
      for (let i = 0; i < n; i++) eta += (beta[i] as number) * (x[i] as number)
      const p = sigmoid(eta)
      const w = Math.max(p * (1 - p), 1e-12)
      const residual = (labels[r] as number) - p
      for (let i = 0; i < n; i++) {
        const xi = x[i] as number
        gradient[i] = (gradient[i] as number) + residual * xi
        for (let k = 0; k <= i; k++) hessian[i * n + k] = (hessian[i * n + k] as number) + w * xi * (x[k] as number)
      }
      if (r % ROWS_PER_STEP === ROWS_PER_STEP - 1) yield
    }
    for (let i = 0; i < n; i++) for (let k = 0; k < i; k++) hessian[k * n + i] = hessian[i * n + k] as number
    for (let i = 1; i < n; i++) {
      hessian[i * n + i] = (hessian[i * n + i] as number) + penalty
      gradient[i] = (gradient[i] as number) - penalty * (beta[i] as number)
    }
    const step = solve(hessian, gradient, n)
    let largest = 0
    for (let i = 0; i < n; i++) {
      beta[i] = (beta[i] as number) + (step[i] as number)
      largest = Math.max(largest, Math.abs(step[i] as number))
    }
    if (largest < 1e-8) break
  }
  const weights = columns.map(() => 0)
  let intercept = beta[0] as number
  used.forEach((j, u) => {
    const w = (beta[u + 1] as number) / (scale[u] as number)
    weights[j] = w
    intercept -= w * (mean[u] as number)
  })
  return { intercept, weights }
}

/**
 * The maximum-likelihood weights of P(label = 1) = sigmoid(intercept + Σ weight · column) over the
 * first `rows` rows, the weights marked non-negative held at zero or above.
 */
export function* fit(
  columns: ReadonlyArray<ArrayLike<number>>,
  labels: ArrayLike<number>,
  rows: number,
  options: Options = {}
): Steps.Steps<Fitted> {
  const free = columns.map(() => true)
  const ridge = options.ridge ?? 1e-6
  const maxIterations = options.maxIterations ?? 25
  for (;;) {
    const fitted = yield* newton(columns, labels, rows, free, ridge, maxIterations)
    let worst = -1
    fitted.weights.forEach((w, j) => {
      if (options.nonNegative?.[j] === true && w < 0 && (worst < 0 || w < (fitted.weights[worst] as number))) worst = j
    })
    if (worst < 0) return fitted
    free[worst] = false
  }
}
