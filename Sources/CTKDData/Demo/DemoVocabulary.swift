/// The demo dataset's words: a few hundred, each likely to become a single token of a small
/// byte-level BPE, so that a model trained for minutes spends its capacity on reading, not
/// spelling. Person names, pet names, cities and places are disjoint sets, so an answer's type
/// never gives it away; within one example every slot value is drawn without replacement, so the
/// other people of a passage are distractors of the same type.
enum DemoVocabulary {
    static let people = [
        "Anna", "Ben", "Clara", "David", "Emma", "Felix", "Grace", "Hugo", "Iris", "Jack",
        "Kate", "Leo", "Maya", "Nora", "Oscar", "Paul", "Rosa", "Sam", "Tina", "Victor",
        "Wendy", "Yara", "Zoe", "Adam", "Bella", "Carl", "Dora", "Eric", "Fiona", "Gina",
        "Henry", "Ivan", "Julia", "Karl", "Lena", "Mark", "Nina", "Omar", "Peter", "Rita",
        "Simon", "Tom", "Uma", "Vera", "Walter", "Alice", "Boris", "Chloe", "Dan", "Elena",
        "Frank", "Hanna", "Igor", "Jonas", "Laura", "Mia", "Nils", "Olga", "Rob", "Sara",
    ]
    static let cities = [
        "Oslo", "Lima", "Paris", "Rome", "Cairo", "Tokyo", "Delhi", "Quito", "Berlin", "Madrid",
        "Dublin", "Vienna", "Prague", "Lisbon", "Athens", "Warsaw", "Riga", "Bern", "Kyiv", "Sofia",
        "Hanoi", "Seoul", "Manila", "Nairobi", "Accra", "Dakar", "Tunis", "Havana", "Bogota", "Santiago",
        "Boston", "Denver", "Austin", "Chicago", "Toronto", "Montreal", "Sydney", "Perth", "Auckland", "Geneva",
    ]
    static let jobs = [
        "baker", "pilot", "teacher", "doctor", "nurse", "farmer", "painter", "singer", "writer", "lawyer",
        "dentist", "plumber", "chef", "driver", "sailor", "miner", "tailor", "barber", "builder", "clerk",
        "judge", "poet", "dancer", "gardener", "banker", "mechanic", "librarian", "engineer", "waiter", "actor",
    ]
    static let colors = [
        "red", "blue", "green", "yellow", "black", "white", "orange", "purple", "brown", "gray", "pink", "golden",
    ]
    static let objects = [
        "kite", "lamp", "clock", "hat", "bike", "book", "map", "guitar", "camera", "radio",
        "umbrella", "wallet", "chair", "vase", "scarf", "jacket", "basket", "candle", "mirror", "drum",
        "violin", "ring", "watch", "bottle", "pillow", "kettle", "ladder", "rug", "teapot", "helmet",
    ]
    static let days = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
    static let animals = [
        "dog", "cat", "horse", "parrot", "rabbit", "goat", "turtle", "hamster", "pony", "duck", "goose", "lizard",
    ]
    static let petNames = [
        "Rex", "Max", "Luna", "Milo", "Coco", "Rocky", "Daisy", "Bruno", "Pepper", "Ziggy", "Biscuit", "Muffin",
        "Shadow", "Ginger", "Oreo", "Peanut", "Pickle", "Rusty", "Sparky", "Toby", "Whiskers", "Nugget", "Pip", "Fudge",
    ]
    static let places = [
        "library", "park", "cafe", "station", "museum", "market", "cinema", "bakery", "beach", "harbor",
        "garden", "gym", "theater", "bridge", "square", "zoo", "pool", "school", "stadium", "bookshop",
    ]
    static let activities = [
        "play chess", "study math", "cook dinner", "watch a film", "paint the fence", "fix the bike",
        "plan the trip", "practice music", "go running", "read poems", "bake bread", "play cards",
        "build a shelf", "plant trees", "wash the car", "learn French",
    ]

    /// `a`/`an` by the first letter, which is right for every noun above.
    static func withArticle(_ noun: String) -> String {
        let vowel = noun.first.map { "aeiouAEIOU".contains($0) } ?? false
        return (vowel ? "an " : "a ") + noun
    }
}
