package dev.vllava.checkpoint;

/** The four parts of Video-LLaVA, by the tensor-name prefix that the Hugging Face layout gives each. */
public enum ModelPart {
    IMAGE_TOWER("image_tower."),
    VIDEO_TOWER("video_tower."),
    PROJECTOR("multi_modal_projector."),
    LANGUAGE_MODEL("language_model.");

    private final String prefix;

    ModelPart(String prefix) {
        this.prefix = prefix;
    }

    public String prefix() {
        return prefix;
    }

    /** The part a tensor name belongs to, or null for a name outside all four. */
    public static ModelPart of(String tensorName) {
        for (ModelPart part : values()) {
            if (tensorName.startsWith(part.prefix)) {
                return part;
            }
        }
        return null;
    }
}
