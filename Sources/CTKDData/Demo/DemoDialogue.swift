import CTKDCore

/// Summarisation of a generated dialogue in which two people plan to meet.
///
/// One person suggests an activity; a place and a day are proposed; each of `rejected` proposals
/// is turned down (with a reason naming its day or place) and answered with a new one; the last
/// proposal is accepted, sometimes only with "That works for me." Often someone then offers (or
/// is asked) to bring an object. The summary names who meets whom, where, when, for what, and
/// who brings what — so it must be read off the accepted proposal, not the rejected ones, and
/// "I" must be resolved to the speaker.
///
///     Dialogue:
///     Anna: Hi Ben, do you want to play chess this week?
///     Ben: Sure, Anna. Where and when?
///     Anna: How about the park on Monday?
///     Ben: Sorry, I am busy on Monday. What about the library on Friday?
///     Anna: That works for me. I will bring the map.
///     Summary: Anna and Ben will meet at the library on Friday to play chess. Anna will bring the map.
struct DemoDialogue {
    var rejected: Int

    static let maximumRejected = 6

    func generate(_ rng: inout SeededRandom) -> (dialogue: String, summary: String) {
        let names = rng.distinct(2, from: DemoVocabulary.people)
        let places = rng.distinct(rejected + 1, from: DemoVocabulary.places)
        let days = rng.distinct(rejected + 1, from: DemoVocabulary.days)
        let activity = rng.pick(DemoVocabulary.activities)
        let object = rng.pick(DemoVocabulary.objects)

        var turns = [(speaker: Int, text: String)]()
        turns.append((0, rng.pick(["Hi \(names[1]), do you want to \(activity) this week?",
                                   "\(names[1]), shall we \(activity) together soon?"])))
        turns.append((1, rng.pick(["Sure, \(names[0]). Where and when?",
                                   "Yes, good idea. When are you free?"])))
        turns.append((0, proposal(places[0], days[0], first: true, &rng)))
        for index in 0..<rejected {
            let reason = rng.pick(["Sorry, I am busy on \(days[index]).",
                                   "The \(places[index]) is closed on \(days[index]).",
                                   "I do not like the \(places[index])."])
            turns.append(((index + 1) % 2, reason + " " + proposal(places[index + 1], days[index + 1], first: false, &rng)))
        }
        let place = places[rejected], day = days[rejected]
        let acceptor = rejected % 2 == 0 ? 1 : 0
        turns.append((acceptor, rng.pick(["That works for me.", "Fine, see you at the \(place) on \(day).",
                                          "\(day) at the \(place) works for me."])))

        var summary = "\(names[0]) and \(names[1]) will meet at the \(place) on \(day) to \(activity)."
        switch rng.nextInt(below: 5) {
        case 0, 1:  // the acceptor offers
            turns[turns.count - 1].text += " I will bring the \(object)."
            summary += " \(names[acceptor]) will bring the \(object)."
        case 2:  // the other one offers
            turns.append((1 - acceptor, "Great. I will bring the \(object)."))
            summary += " \(names[1 - acceptor]) will bring the \(object)."
        case 3:  // the acceptor asks, the other one agrees
            turns[turns.count - 1].text += " Can you bring the \(object)?"
            turns.append((1 - acceptor, "Yes, I will."))
            summary += " \(names[1 - acceptor]) will bring the \(object)."
        default:
            break
        }
        let dialogue = turns.map { "\(names[$0.speaker]): \($0.text)" }.joined(separator: "\n")
        return (dialogue, summary)
    }

    private func proposal(_ place: String, _ day: String, first: Bool, _ rng: inout SeededRandom) -> String {
        first
            ? rng.pick(["How about the \(place) on \(day)?", "Let us meet at the \(place) on \(day)."])
            : rng.pick(["What about the \(place) on \(day)?", "Can we go to the \(place) on \(day) instead?"])
    }
}
