import CTKDCore
import CTKDData

// The effective settings of each spec as a `ConfigValue`: what a step's hash covers. Paths are
// left out on purpose: inputs are hashed by content, so moving a file changes nothing.

extension ModelSpec {
    var config: ConfigValue {
        ["architecture": .string(architecture.rawValue), "layers": .int(layers), "d_model": .int(dModel),
         "heads": .int(heads), "kv_heads": .int(kvHeads), "d_ff": .int(dFF), "context_length": .int(contextLength)]
    }
}

extension TrainingSpec {
    var config: ConfigValue {
        ["steps": .int(steps), "batch_size": .int(batchSize), "learning_rate": .double(learningRate),
         "warmup_steps": .int(warmupSteps), "schedule": .string(schedule.rawValue), "weight_decay": .double(weightDecay),
         "grad_clip": .double(gradClip), "seed": .optional(seed.map { .string(String($0)) })]
    }
}

extension LossSpec {
    var config: ConfigValue {
        var members: [String: ConfigValue] = ["kind": .string(kind.rawValue)]
        if let weight { members["weight"] = .double(weight) }
        if let alignment { members["alignment"] = .string(alignment.rawValue) }
        if let mlot {
            members["mlot"] = ["top_k": .int(mlot.topK), "beta": .double(mlot.beta), "gamma": .double(mlot.gamma),
                               "sinkhorn_lambda": .double(mlot.sinkhornLambda),
                               "sinkhorn_iterations": .int(mlot.sinkhornIterations),
                               "tau_sl": .double(mlot.tauSL), "tau_sd": .double(mlot.tauSD)]
        }
        if let bld {
            members["bld"] = ["bytes": .int(bld.bytes), "byte_ce_weight": .double(bld.byteCEWeight),
                              "kl_weight": .double(bld.klWeight)]
        }
        return .object(members)
    }
}

extension CacheSpec {
    var config: ConfigValue {
        ["split": .string(split.value), "top_k": .int(topK), "sampled": .int(sampled), "byte_dist": .bool(byteDist),
         "beam": .int(beam), "shards": .int(shards)]
    }
}

extension EvaluationSpec {
    var config: ConfigValue {
        ["split": .string(split.value), "max_new_tokens": .int(maxNewTokens),
         "metrics": .list(metrics.map { .string($0.rawValue) }), "sample": .optional(sample.map(ConfigValue.int)),
         "bootstrap": .int(bootstrap)]
    }
}

extension DemoConfig {
    var configValue: ConfigValue {
        ["seed": .string(String(seed)), "train": .int(train), "validation": .int(validation), "test": .int(test),
         "distractors": .int(distractors), "facts": .int(facts), "qa_fraction": .double(qaFraction)]
    }
}

extension ImportSource {
    var config: ConfigValue {
        let template = options.effectiveTemplate
        var members: [String: ConfigValue] = [
            "format": .string(options.format.rawValue),
            "template": ["name": .string(template.name), "text": .string(template.text),
                         "response_prefix": .string(template.responsePrefix)],
            "task": .optional(options.task.map { .string($0.rawValue) }),
            "sample": .optional(sample.map(ConfigValue.int)),
        ]
        switch target {
        case .split(let name): members["split"] = .string(name)
        case .fractions(let fractions):
            members["splits"] = .list(fractions.parts.map { ["name": .string($0.name), "fraction": .double($0.fraction)] })
        }
        if options.format == .jsonl {
            let fields = options.fields
            members["fields"] = ["id": .string(fields.id), "prompt": .string(fields.prompt),
                                 "response": .string(fields.response), "references": .string(fields.references),
                                 "task": .string(fields.task), "ids_from_lines": .bool(fields.idsFromLines)]
        }
        return .object(members)
    }
}
