package org.rsna22.config;

/** One experiment: config/default.yaml overridden by the experiment's own file. */
public record ExperimentConfig(String name, PrepareConfig prepare, BboxConfig bbox, InferBboxConfig inferBbox,
                               FractureConfig fracture) {
}
