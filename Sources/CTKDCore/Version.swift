/// The ctkd version, recorded in every file ctkd writes (cache metadata, checkpoints, reports).
public enum CTKDVersion {
    public static let string = "0.1.0"
}
