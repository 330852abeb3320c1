import Review
import Testing

@Suite("Roles")
struct RolesTests {
    @Test func rolesRoundTripThroughTheirNames() {
        for role in Role.allCases { #expect(Role(rawValue: role.rawValue) == role) }
    }

    /// The whole matrix, written out: a change to any cell must change this table.
    @Test func capabilityMatrix() {
        let expected: [Role: Set<Capability>] = [
            .reviewer: [.viewQueues, .decide, .escalate],
            .specialist: [.viewQueues, .decide, .escalate, .revealMedia, .draftReport, .sendReport, .handleAppeals],
            .admin: [.viewQueues, .decide, .escalate, .draftReport, .handleAppeals, .manageReviewers, .legalHold],
        ]
        for role in Role.allCases {
            for capability in Capability.allCases {
                #expect(role.can(capability) == expected[role]!.contains(capability), "\(role) \(capability)")
            }
        }
    }

    @Test func onlySpecialistsSeeMedia() {
        #expect(Role.allCases.filter { $0.can(.revealMedia) } == [.specialist])
        #expect(Role.allCases.filter { $0.can(.sendReport) } == [.specialist])
        #expect(!Role.admin.can(.revealMedia))
    }

    @Test func everyCapabilityBelongsToSomeRoleAndEveryRoleWorksQueues() {
        for capability in Capability.allCases { #expect(Role.allCases.contains { $0.can(capability) }, "\(capability)") }
        for role in Role.allCases { #expect(role.can(.viewQueues) && role.can(.decide)) }
    }

    @Test func displayNamesAreDistinctAndReadable() {
        let names = Role.allCases.map(\.displayName)
        #expect(Set(names).count == names.count)
        #expect(Role.specialist.displayName == "Child-safety specialist")
    }
}
