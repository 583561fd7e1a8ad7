import Foundation

/// Eigenvalues and eigenvectors of a small symmetric matrix (cyclic Jacobi rotations).
///
/// The judge model needs the spectrum of one judges × judges matrix per contest, so the
/// variance ratio can be searched and every bootstrap replicate refitted in O(judges) per
/// step instead of solving a linear system each time. Panels are tens to a few hundred judges;
/// Jacobi is exact to rounding and simple enough to check by eye.
public struct SymmetricEigen: Sendable {
    /// The size n.
    public let size: Int
    /// Eigenvalues, in no particular order.
    public let values: [Double]
    /// Eigenvectors as columns of an n × n row-major matrix: vector i is `vectors[k * n + i]`, k = 0..<n.
    public let vectors: [Double]

    /// Decomposes the symmetric n × n row-major `matrix` (only symmetric input is meaningful).
    public init(_ matrix: [Double], size n: Int) {
        precondition(matrix.count == n * n, "an n × n matrix")
        var a = matrix
        var v = [Double](repeating: 0, count: n * n)
        for i in 0..<n { v[i * n + i] = 1 }
        let scale = matrix.reduce(0) { $0 + $1 * $1 }
        for _ in 0..<64 {
            var off = 0.0
            for p in 0..<n { for q in (p + 1)..<max(p + 1, n) { off += a[p * n + q] * a[p * n + q] } }
            if off <= 1e-30 * scale || off == 0 { break }
            for p in 0..<max(0, n - 1) {
                for q in (p + 1)..<n {
                    let apq = a[p * n + q]
                    if apq == 0 { continue }
                    let theta = (a[q * n + q] - a[p * n + p]) / (2 * apq)
                    let t = (theta >= 0 ? 1.0 : -1.0) / (abs(theta) + (theta * theta + 1).squareRoot())
                    let c = 1 / (t * t + 1).squareRoot(), s = t * c
                    for k in 0..<n {   // columns p and q
                        let akp = a[k * n + p], akq = a[k * n + q]
                        a[k * n + p] = c * akp - s * akq
                        a[k * n + q] = s * akp + c * akq
                    }
                    for k in 0..<n {   // rows p and q
                        let apk = a[p * n + k], aqk = a[q * n + k]
                        a[p * n + k] = c * apk - s * aqk
                        a[q * n + k] = s * apk + c * aqk
                    }
                    for k in 0..<n {
                        let vkp = v[k * n + p], vkq = v[k * n + q]
                        v[k * n + p] = c * vkp - s * vkq
                        v[k * n + q] = s * vkp + c * vkq
                    }
                }
            }
        }
        size = n
        values = (0..<n).map { a[$0 * n + $0] }
        vectors = v
    }
}
