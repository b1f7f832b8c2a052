import Mustache
import Synchronization

/// The plans made for one carrier template (``TemplatePlan``), the newest first: a few
/// shapes of context each (a relay point or not, one parcel or several).
final class TemplatePlans: Sendable {
    /// Plans kept; a template rendered for more shapes than this makes plans again.
    static let limit = 16

    private let plans = Mutex<[TemplatePlan]>([])
    private let allowed: Bool

    init(text: String) { allowed = TemplatePlan.allows(text) }

    /// How many plans are kept (tests).
    var count: Int { plans.withLock { $0.count } }

    /// `compiled` rendered for `root`, through the plan of its shape when there is one, or
    /// through Mustache while a new plan is made.
    func render(_ root: TemplateTable, with compiled: MustacheTemplate) -> String {
        guard allowed else { return compiled.render(root) }
        for plan in plans.withLock({ $0 }) {
            guard let texts = plan.texts(in: root) else { continue }
            guard let pieces = plan.pieces else { return compiled.render(root) }
            return TemplatePlan.render(pieces, texts: texts)
        }
        let plan = TemplatePlan(recording: compiled, root)
        plans.withLock { plans in
            plans.insert(plan, at: 0)
            if plans.count > Self.limit { plans.removeLast() }
        }
        return compiled.render(root)
    }
}
