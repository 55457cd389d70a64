import CTKDCore

/// Extractive QA over a generated passage about a few people.
///
/// A passage states `facts` kinds of fact (chosen per passage from home, job, purchase, pet and
/// gift) about each of `1 + distractors` people, one sentence per fact, shuffled. Every person
/// has a value of every chosen kind and no value repeats, so the question's answer type is shared
/// by `1 + distractors` candidates in the passage and only reading the sentence that binds the
/// asked person (or value) gives it away. The answer is a span of the passage; the references
/// add the variants a reader might give ("on Monday" for "Monday", "a baker" for "baker").
///
///     Context: Ben lives in Oslo. On Friday, Anna bought a red kite. Anna lives in Lima.
///     Ben bought a blue lamp on Monday.
///     Question: What did Anna buy?
///     Answer: red kite
struct DemoQA {
    /// The kinds of fact a passage can state.
    enum FactKind: CaseIterable {
        case home, job, purchase, pet, gift
    }

    /// One person of the passage with a value of every kind (only the passage's kinds are stated).
    struct Person {
        var name: String
        var city: String
        var job: String
        var color: String
        var object: String
        var day: String
        var animal: String
        var pet: String
        var gift: String
        var receiver: String
    }

    struct Question {
        /// `kind.form`, e.g. `purchase.when`, for statistics.
        var form: String
        var text: String
        var answer: String
        var references: [String]
    }

    var distractors: Int
    var facts: Int

    static let maximumDistractors = 6
    static let maximumFacts = FactKind.allCases.count

    /// The passage, question and answer for one example.
    func generate(_ rng: inout SeededRandom) -> (passage: String, question: Question) {
        let count = distractors + 1
        let names = rng.distinct(2 * count, from: DemoVocabulary.people)
        let cities = rng.distinct(count, from: DemoVocabulary.cities)
        let jobs = rng.distinct(count, from: DemoVocabulary.jobs)
        let colors = rng.distinct(count, from: DemoVocabulary.colors)
        let objects = rng.distinct(2 * count, from: DemoVocabulary.objects)
        let days = rng.distinct(count, from: DemoVocabulary.days)
        let animals = rng.distinct(count, from: DemoVocabulary.animals)
        let pets = rng.distinct(count, from: DemoVocabulary.petNames)
        let people = (0..<count).map { index in
            Person(name: names[index], city: cities[index], job: jobs[index], color: colors[index],
                   object: objects[index], day: days[index], animal: animals[index], pet: pets[index],
                   gift: objects[count + index], receiver: names[count + index])
        }
        let kinds = rng.distinct(facts, from: FactKind.allCases)

        var sentences = [String]()
        for person in people {
            for kind in kinds { sentences.append(sentence(kind, person, &rng)) }
        }
        rng.shuffle(&sentences)
        let question = self.question(rng.pick(kinds), about: people[rng.nextInt(below: count)], &rng)
        return (sentences.joined(separator: " "), question)
    }

    private func sentence(_ kind: FactKind, _ p: Person, _ rng: inout SeededRandom) -> String {
        let a = DemoVocabulary.withArticle
        return switch kind {
        case .home: rng.pick(["\(p.name) lives in \(p.city).", "\(p.name) has a home in \(p.city)."])
        case .job: rng.pick(["\(p.name) works as \(a(p.job)).", "\(p.name) is \(a(p.job))."])
        case .purchase: rng.pick(["On \(p.day), \(p.name) bought \(a(p.color)) \(p.object).",
                                  "\(p.name) bought \(a(p.color)) \(p.object) on \(p.day)."])
        case .pet: rng.pick(["\(p.name) has \(a(p.animal)) named \(p.pet).",
                             "\(p.name) owns \(a(p.animal)) called \(p.pet)."])
        case .gift: rng.pick(["\(p.name) gave \(a(p.gift)) to \(p.receiver).",
                              "\(p.name) sent \(p.receiver) \(a(p.gift))."])
        }
    }

    private func question(_ kind: FactKind, about p: Person, _ rng: inout SeededRandom) -> Question {
        let a = DemoVocabulary.withArticle
        func make(_ form: String, _ texts: [String], _ answer: String, _ variants: [String] = []) -> Question {
            Question(form: form, text: rng.pick(texts), answer: answer, references: [answer] + variants)
        }
        let forms: [Question] = switch kind {
        case .home: [
            make("home.where", ["Where does \(p.name) live?", "In which city does \(p.name) live?"],
                 p.city, ["in \(p.city)"]),
            make("home.who", ["Who lives in \(p.city)?"], p.name),
        ]
        case .job: [
            make("job.what", ["What is \(p.name)'s job?", "What does \(p.name) do for a living?"],
                 p.job, [a(p.job)]),
            make("job.who", ["Who works as \(a(p.job))?", "Who is \(a(p.job))?"], p.name),
        ]
        case .purchase: [
            make("purchase.what", ["What did \(p.name) buy?"], "\(p.color) \(p.object)", ["\(a(p.color)) \(p.object)"]),
            make("purchase.when", ["When did \(p.name) buy the \(p.object)?", "On which day did \(p.name) go shopping?"],
                 p.day, ["on \(p.day)"]),
            make("purchase.color", ["What color is the \(p.object) that \(p.name) bought?"], p.color),
            make("purchase.who", ["Who bought the \(p.object)?"], p.name),
        ]
        case .pet: [
            make("pet.name", ["What is the name of \(p.name)'s \(p.animal)?"], p.pet),
            make("pet.owner", ["Who owns \(p.pet)?", "Whose \(p.animal) is called \(p.pet)?"], p.name),
            make("pet.animal", ["What kind of animal is \(p.pet)?"], p.animal, [a(p.animal)]),
        ]
        case .gift: [
            make("gift.what", ["What did \(p.name) give to \(p.receiver)?"], p.gift, [a(p.gift)]),
            make("gift.receiver", ["Who got \(a(p.gift)) from \(p.name)?"], p.receiver),
            make("gift.giver", ["Who gave \(a(p.gift)) to \(p.receiver)?"], p.name),
        ]
        }
        return rng.pick(forms)
    }
}
