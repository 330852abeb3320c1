import Policy
import Signals
import Storage

/// Turns a decision's actions into outbox rows: one row per action kind, and one
/// `suspend_account` per account of the author's actor for `suspend_actor`.
///
/// Idempotency keys derive from the decision id (itself derived from the content id, and for
/// retroactive decisions from the content and the bank entry), so that every process that makes
/// the same decision computes the same keys, and the outbox's unique key stores each action once.
/// Suspension keys carry a digest of the account, not the account id: keys appear in logs.
struct ActionPlan {
    /// What every webhook body of the decision shares.
    struct Context {
        var decisionId: String
        var contentId: String
        var kind: String
        var account: String?
        var outcome: PolicyOutcome
        var policy: String
        var retroactive: Bool
        var decidedAt: String
        /// The platform's own fields, passed back as they came.
        var platform: [(key: String, value: String)] = []
        /// Extra members of the body (already JSON), e.g. the retroactive match.
        var extra: String?
    }

    static func actions(_ kinds: [ActionKind], context: Context, actorAccounts: [String]) -> [NewAction] {
        var actions: [NewAction] = []
        for kind in kinds {
            if kind == .suspendActor {
                var targets = actorAccounts
                if let account = context.account, !targets.contains(account) { targets.insert(account, at: 0) }
                for target in targets {
                    let key = "\(context.decisionId):suspend_account:" + IntakePipeline.hexDigest(Array(target.utf8)).prefix(16)
                    actions.append(action(key: key, name: "suspend_account", target: target, context: context))
                }
            } else {
                let key = "\(context.decisionId):\(kind.rawValue)"
                actions.append(action(key: key, name: kind.rawValue, target: context.account, context: context))
            }
        }
        return actions
    }

    static func action(key: String, name: String, target: String?, context: Context) -> NewAction {
        NewAction(idempotencyKey: key, decisionId: context.decisionId, contentId: context.contentId, action: name,
                  targetAccount: target, payload: payload(key: key, action: name, target: target, context: context))
    }

    /// The webhook body of one action: everything the platform needs to act without calling back.
    static func payload(key: String, action: String, target: String?, context c: Context) -> String {
        let q = IntakePipeline.quoteOrNull
        var body = "{\"idempotencyKey\":\(JSONString.quote(key)),\"action\":\"\(action)\",\"target\":{\"account\":\(q(target))},"
            + "\"decisionId\":\"\(c.decisionId)\",\"contentId\":\(JSONString.quote(c.contentId)),\"kind\":\"\(c.kind)\","
            + "\"account\":\(q(c.account)),\"verdict\":\"\(c.outcome.verdict.rawValue)\","
            + "\"severity\":\(q(c.outcome.severity?.rawValue)),\"queue\":\(q(c.outcome.queue)),"
            + "\"rules\":[\(c.outcome.fired.map { JSONString.quote($0.id) }.joined(separator: ","))],"
            + "\"policy\":\(JSONString.quote(c.policy)),\"retroactive\":\(c.retroactive),\"decidedAt\":\"\(c.decidedAt)\""
        if !c.platform.isEmpty || !c.retroactive { body += ",\"platform\":\(IntakePipeline.platformJSON(c.platform))" }
        if let extra = c.extra { body += "," + extra }
        return body + "}"
    }
}
