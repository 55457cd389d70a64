import CTKDCore
import Foundation

/// Official SQuAD JSON → normalised examples, one per question.
///
/// - prompt: the template over `context`, `question` (trimmed) and `title`;
/// - response: the first answer (the one the crowd worker gave; SQuAD's own training target);
/// - references: every `answers[].text`, duplicates kept, in the file's order — the gold list the
///   official evaluation script takes the maximum over.
/// Unanswerable SQuAD 2.0 questions (no answers) have no response and are skipped.
struct SQuADAdapter {
    var template: PromptTemplate

    func examples(from path: String) throws -> ImportResult {
        let file: SQuADFile
        do {
            file = try JSONDecoder().decode(SQuADFile.self, from: Data(try FileIO.read(path)))
        } catch let error as DecodingError {
            throw JSONLines.describe(error).located(file: path)
        }
        let prompt = try template.compiled()
        var examples = [DatasetExample]()
        var unanswerable = 0
        for article in file.data {
            for paragraph in article.paragraphs {
                for question in paragraph.qas {
                    guard let first = question.answers.first else {
                        unanswerable += 1
                        continue
                    }
                    let fields = ["context": paragraph.context, "question": question.question.trimmingWhitespace(),
                                  "title": article.title ?? ""]
                    let text: String
                    do {
                        text = try prompt.render { fields[$0] }
                    } catch let error as CTKDError {
                        throw error.located(file: path)
                    }
                    examples.append(DatasetExample(
                        id: question.id, prompt: text, response: template.response(first.text),
                        references: question.answers.map(\.text), task: .qa))
                }
            }
        }
        let notes = unanswerable > 0 ? ["skipped \(unanswerable) unanswerable questions"] : []
        return ImportResult(examples: examples, notes: notes)
    }
}

private struct SQuADFile: Decodable {
    struct Article: Decodable {
        let title: String?
        let paragraphs: [Paragraph]
    }
    struct Paragraph: Decodable {
        let context: String
        let qas: [Question]
    }
    struct Question: Decodable {
        let id: String
        let question: String
        let answers: [Answer]
    }
    struct Answer: Decodable {
        let text: String
    }
    let data: [Article]
}
