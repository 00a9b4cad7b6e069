package io.hybridfog.onnx;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.hybridfog.api.ExitPolicySettings;
import io.hybridfog.api.FeatureSpec;
import io.hybridfog.api.InputSpec;
import io.hybridfog.api.MacCounts;
import io.hybridfog.api.ModelDescriptor;
import java.util.List;

/**
 * Reads the JSON document that export stores under the ONNX {@code metadata_props} key {@value #METADATA_KEY}
 * (format: docs/model-format.md). Unknown fields are ignored, so newer exporters can add fields.
 */
public final class ModelMetadataParser {
    /** The ONNX {@code metadata_props} key holding the HybridFog metadata document. */
    public static final String METADATA_KEY = "hybridfog";

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private ModelMetadataParser() {
    }

    /**
     * @param json the metadata document
     * @return the partition it describes and the model descriptor
     * @throws ModelLoadException if the document is not JSON, lacks a field, or a field has the wrong type or an
     *                            inconsistent value; the message names the field
     */
    public static ModelMetadata parse(String json) throws ModelLoadException {
        JsonFields root;
        try {
            root = new JsonFields(MAPPER.readTree(json), "");
        } catch (JsonProcessingException e) {
            throw new ModelLoadException("metadata is not valid JSON: " + e.getOriginalMessage(), e);
        }
        PartitionKind partition = PartitionKind.fromKey(root.text("partition"));
        List<String> labels = root.texts("labels");
        ModelDescriptor descriptor = new ModelDescriptor(root.text("model"), root.text("version"), labels,
                input(root.object("input")), features(root.object("features")),
                root.text("exit_output"), root.text("features_output"), root.text("cloud_output"),
                macs(root.object("macs")), exitPolicy(root.object("exit_policy")));
        return new ModelMetadata(partition, descriptor);
    }

    private static InputSpec input(JsonFields input) throws ModelLoadException {
        requireValue(input, "layout", "NCHW");
        requireValue(input, "dtype", "float32");
        long[] shape = input.dimensions("shape");
        if (shape.length != 3) {
            throw input.invalid("shape", "must be [C, H, W] (3 dimensions, batch excluded)");
        }
        long channels = shape[0];
        float[] mean = input.floats("mean");
        float[] std = input.floats("std");
        if (mean.length != channels || std.length != channels) {
            throw input.invalid("mean", "and std must have one value per channel (" + channels + ")");
        }
        for (float s : std) {
            if (s <= 0) {
                throw input.invalid("std", "must be > 0");
            }
        }
        double pixelScale = input.number("pixel_scale");
        if (pixelScale <= 0) {
            throw input.invalid("pixel_scale", "must be > 0");
        }
        String color = input.text("color");
        long expectedChannels = switch (color) {
            case "grayscale" -> 1;
            case "rgb" -> 3;
            default -> throw input.invalid("color", "must be grayscale or rgb, is '" + color + "'");
        };
        if (channels != expectedChannels) {
            throw input.invalid("shape", "has " + channels + " channels but color is " + color);
        }
        return new InputSpec(input.text("name"), shape, (float) pixelScale, mean, std, color);
    }

    private static FeatureSpec features(JsonFields features) throws ModelLoadException {
        requireValue(features, "dtype", "float32");
        String values = features.has("values") ? features.text("values") : "real";
        boolean binary = switch (values) {
            case "binary" -> true;
            case "real" -> false;
            default -> throw features.invalid("values", "must be binary or real, is '" + values + "'");
        };
        return new FeatureSpec(features.text("name"), features.dimensions("shape"), binary);
    }

    private static MacCounts macs(JsonFields macs) throws ModelLoadException {
        return new MacCounts(macs.countsByBits("edge"), macs.count("edge_exit_fp32"),
                macs.countsByBits("cloud"), macs.count("reference_fp32"));
    }

    private static ExitPolicySettings exitPolicy(JsonFields policy) throws ModelLoadException {
        return new ExitPolicySettings(policy.text("name"), policy.number("threshold"), policy.text("unit"));
    }

    private static void requireValue(JsonFields fields, String name, String expected) throws ModelLoadException {
        String actual = fields.text(name);
        if (!actual.equals(expected)) {
            throw fields.invalid(name, "must be " + expected + ", is '" + actual + "'");
        }
    }
}
