package dev.graft.train;

import dev.graft.error.SettingException;

/**
 * A learning-rate schedule: the multiplier of the base rate at a step.
 *
 * <p>Forms: {@code constant}, {@code step:EVERY_EPOCHS:GAMMA}, {@code cosine[:WARMUP_EPOCHS]}
 * (cosine decay to 0 after linear warm-up) and {@code onecycle} (linear up for 30% of the run to the
 * base rate, then cosine down to 1/1000 of it).
 */
public interface LrSchedule {

  /**
   * The multiplier of the base learning rate at {@code step} of {@code totalSteps}.
   *
   * @param stepsPerEpoch steps in one epoch, for epoch-based schedules
   */
  double factor(long step, long totalSteps, long stepsPerEpoch);

  /** The text form this schedule parses from. */
  String describe();

  /** The same rate throughout. */
  static LrSchedule constant() {
    return new LrSchedule() {
      @Override
      public double factor(long step, long total, long perEpoch) {
        return 1;
      }

      @Override
      public String describe() {
        return "constant";
      }
    };
  }

  /** Parses a schedule; see the type's documentation for the forms. */
  static LrSchedule parse(String text) {
    String[] parts = text.trim().split(":");
    try {
      switch (parts[0]) {
        case "constant":
          return constant();
        case "step": {
          int every = parts.length > 1 ? Integer.parseInt(parts[1]) : 1;
          double gamma = parts.length > 2 ? Double.parseDouble(parts[2]) : 0.1;
          if (every < 1 || gamma <= 0) {
            throw new IllegalArgumentException("step:EVERY:GAMMA needs EVERY >= 1 and GAMMA > 0, got " + text);
          }
          return new LrSchedule() {
            @Override
            public double factor(long step, long total, long perEpoch) {
              return Math.pow(gamma, (double) (step / Math.max(1, perEpoch) / every));
            }

            @Override
            public String describe() {
              return "step:" + every + ":" + gamma;
            }
          };
        }
        case "cosine": {
          double warmup = parts.length > 1 ? Double.parseDouble(parts[1]) : 0;
          return new LrSchedule() {
            @Override
            public double factor(long step, long total, long perEpoch) {
              double warm = warmup * perEpoch;
              if (step < warm) {
                return (step + 1) / warm;
              }
              double progress = (step - warm) / Math.max(1, total - warm);
              return 0.5 * (1 + Math.cos(Math.PI * Math.min(1, progress)));
            }

            @Override
            public String describe() {
              return "cosine:" + warmup;
            }
          };
        }
        case "onecycle":
          return new LrSchedule() {
            @Override
            public double factor(long step, long total, long perEpoch) {
              double peak = 0.3 * total;
              if (step < peak) {
                return 0.04 + 0.96 * step / peak;
              }
              double progress = (step - peak) / Math.max(1, total - peak);
              return 0.001 + 0.999 * 0.5 * (1 + Math.cos(Math.PI * Math.min(1, progress)));
            }

            @Override
            public String describe() {
              return "onecycle";
            }
          };
        default:
          throw TrainConfig.invalid("Unknown {schedule} '" + text
              + "'; use constant, step:EVERY:GAMMA, cosine[:WARMUP] or onecycle");
      }
    } catch (NumberFormatException e) {
      SettingException invalid = TrainConfig.invalid("{schedule} " + text + " has a number that does not parse");
      invalid.initCause(e);
      throw invalid;
    }
  }
}
