import Foundation
import Testing
import GanglionIO
import GanglionCore

@Suite("Formulas in channel files")
struct FormulaTests {
    func value(_ text: String, V: Double = 0, Ca: Double = 0) throws -> Double {
        try FormulaParser.parse(text).resolve { n in n == "V" ? .voltage : n == "Ca" ? .calcium : nil }.folded(V: V, Ca: Ca)
    }

    @Test("precedence and associativity: ^ binds tighter than unary minus, × ÷ than + −; ^ is right-associative")
    func precedence() throws {
        #expect(try value("2 + 3 * 4 ^ 2") == 50)
        #expect(try value("-2^2") == -4)
        #expect(try value("2^3^2") == 512)
        #expect(try value("8 / 4 / 2") == 1)
        #expect(try value("10 - 4 - 3") == 3)
        #expect(try value("3 × 2 − 1 ÷ 2") == 5.5)
        #expect(try value("(1 + 2) * -(3)") == -9)
        #expect(try value("2^-1") == 0.5)
        #expect(try value("1.5e-3 * 2E3") == 3)
        #expect(try value("min(3, max(1, 2)) + sqrt(16) + log(exp(2)) + tanh(0)") == 8)
        #expect(try value("(-2)^3") == -8)
        #expect(try value("4^0.5") == 2)
    }

    @Test("a Boltzmann written as a formula equals the built-in function bit for bit, values and derivatives")
    func boltzmannExact() throws {
        let f = try FormulaParser.parse("1/(1 + exp((V + 25.5)/-5.29))").resolve { $0 == "V" ? .voltage : nil }.folded
        for V in stride(from: -100.0, through: 60, by: 0.37) {
            #expect(f(V: V, Ca: 0) == boltzmann(V, 25.5, -5.29))
            let d = f.evaluate(V: Dual.variable(V), Ca: Dual(0))
            let e = boltzmann(Dual.variable(V), 25.5, -5.29)
            #expect(d.value == e.value && d.derivative == e.derivative)
        }
    }

    @Test("gate forms: the shapes channel files use most are recognised and equal their programs bit for bit, values and derivatives",
          arguments: [
              ("1/(1 + exp((V + 27.2)/-8.7))", true), ("11.6 - 10.4/(1 + exp((V + 32.9)/-15.2))", true),
              ("0.5 + 2/(1 + exp((V + 10)/4))", true), ("2/(1 + exp((V + 10)/4)) + 0.5", true),
              ("1.4 + 7/(exp((V + 27)/10) + exp((V + 70)/-13))", true), ("2/(exp((V + 169.7)/-11.6) + exp((V + -26.7)/14.3))", true),
              ("3", true),
              ("(0.67/(1 + exp((V + 62.9)/-10))) * (1.5 + 1/(1 + exp((V + 34.9)/3.6)))", true),
              ("(Ca/(Ca + 3)) / (1 + exp((V + 28.3)/-12.6))", true), ("(Ca/(Ca + 3)) / (2 + exp((V + 28.3)/-12.6))", false),
              ("(0.67/(1 + exp((V + 62.9)/-10))) * (1/(1 + exp((V + 34.9)/3.6)) + 1.5)", false),
              ("1/(2 + exp((V + 27.2)/-8.7))", false), ("1/(1 + exp((2*V + 27.2)/-8.7))", false),
          ])
    func gateForms(text: String, recognised: Bool) throws {
        let f = try FormulaParser.parse(text).resolve { $0 == "V" ? .voltage : $0 == "Ca" ? .calcium : nil }.folded
        let form = GateForm(f)
        #expect((form != nil) == recognised, "\(text)")
        guard let form else { return }
        let program = FormulaProgram(f)
        for V in stride(from: -100.0, through: 60, by: 0.37) {
            let Ca = 0.01 + (V + 100) / 20   // 0.01…8
            #expect(form.evaluate(V, calcium: Ca) == program.evaluate(V: V, Ca: Ca))
            let a = form.evaluate(Dual.variable(V), calcium: Dual(Ca)), b = program.evaluate(V: Dual.variable(V), Ca: Dual(Ca))
            #expect(a.value == b.value && a.derivative == b.derivative, "\(text) at \(V)")
            let c = form.evaluate(Dual(V), calcium: Dual.variable(Ca)), d = program.evaluate(V: Dual(V), Ca: Dual.variable(Ca))
            #expect(c.value == d.value && c.derivative == d.derivative, "\(text) at Ca = \(Ca)")
        }
    }

    @Test("dual numbers through log, sqrt, tanh, powers and min/max match the analytic derivative")
    func derivatives() throws {
        let f = try FormulaParser.parse("tanh(V/10)^2 + sqrt(V + 200) * log(V + 150) + max(V, 0.5*V) + (V + 120)^1.5")
            .resolve { $0 == "V" ? .voltage : nil }
        for V in stride(from: -90.0, through: 50, by: 7.3) {
            let t = tanh(V / 10)
            let exact = 2 * t * (1 - t * t) / 10 + log(V + 150) / (2 * sqrt(V + 200)) + sqrt(V + 200) / (V + 150)
                + (V > 0 ? 1 : 0.5) + 1.5 * sqrt(V + 120)
            let d = f.evaluate(V: Dual.variable(V), Ca: Dual(0)).derivative
            #expect(abs(d - exact) <= 1e-12 * max(1, abs(exact)), "at V = \(V): \(d) vs \(exact)")
            // The compiled program computes exactly what the tree does.
            let p = FormulaProgram(f).evaluate(V: Dual.variable(V), Ca: Dual(0))
            let tree = f.evaluate(V: Dual.variable(V), Ca: Dual(0))
            #expect(p.value == tree.value && p.derivative == tree.derivative)
        }
    }

    @Test("exprel is exact at 0 and continuous with its derivative across the series' switch at |x| = 10⁻³")
    func exprelSeries() throws {
        let f = try FormulaParser.parse("exprel(V)").resolve { $0 == "V" ? .voltage : nil }
        #expect(f(V: 0, Ca: 0) == 1)
        for x in [1e-3 * (1 - 1e-9), 1e-3 * (1 + 1e-9), -1e-3 * (1 - 1e-9), -1e-3 * (1 + 1e-9), 0.5, -2] {
            let exact = x == 0 ? 1 : expm1(x) / x
            #expect(abs(f(V: x, Ca: 0) - exact) <= 1e-14, "exprel(\(x))")
            let d = f.evaluate(V: Dual.variable(x), Ca: Dual(0)).derivative
            let dExact = (x * exp(x) - expm1(x)) / (x * x)
            #expect(abs(d - dExact) <= 1e-9, "exprel′(\(x)) = \(d), expected \(dExact)")
        }
    }

    @Test("syntax errors give the column where reading stopped",
          arguments: [("1 + * 2", 5), ("2 3", 3), ("exp(V", 6), ("(V + 1", 7), ("V +", 4), ("", 1), ("3 $ 4", 3)])
    func syntaxErrors(text: String, column: Int) {
        #expect(throws: FormulaError.self) { _ = try FormulaParser.parse(text) }
        do { _ = try FormulaParser.parse(text) } catch { #expect(error.column == column, "\(text): \(error)") }
    }

    @Test("unknown names, unknown functions and wrong argument counts name the column")
    func resolveErrors() throws {
        func error(_ text: String) throws -> FormulaError? {
            do { _ = try FormulaParser.parse(text).resolve { $0 == "V" ? .voltage : nil }; return nil } catch { return error }
        }
        #expect(try error("1/(1 + exp((Vm + 3)/2))") == FormulaError(column: 13, message: "unknown symbol 'Vm'"))
        #expect(try error("2 * foo(V)")?.column == 5)
        #expect(try error("2 * foo(V)")?.message.hasPrefix("unknown function 'foo'") == true)
        #expect(try error("exp(V, 2)") == FormulaError(column: 1, message: "exp takes 1 argument, got 2"))
        #expect(try error("min(V)") == FormulaError(column: 1, message: "min takes 2 arguments, got 1"))
    }

    @Test("m∞ = a(V)·b(Ca) is recognised through products and quotients; a formula mixing V and Ca in one factor is not")
    func calciumFactor() throws {
        func formula(_ t: String) throws -> Formula {
            try FormulaParser.parse(t).resolve { n in n == "V" ? .voltage : n == "Ca" ? .calcium : nil }
        }
        let f = try formula("(Ca/(Ca + 3)) / (1 + exp((V + 28.3)/-12.6))")
        let b = try #require(f.calciumFactor)
        for Ca in [0.1, 1, 7.5] { #expect(b(V: 0, Ca: Ca) == Ca / (Ca + 3)) }
        #expect(try formula("1/(1 + exp((V + Ca)/5))").calciumFactor == nil)
        #expect(try formula("1/(1 + exp(V/5))").calciumFactor == nil)
    }
}
