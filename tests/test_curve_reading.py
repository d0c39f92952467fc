"""Sentences about loss curves follow the numbers in the history."""

from inpaintlib.curve_reading import CHANCE_ADV, CHANCE_DISC, describe_curves, describe_discriminator, describe_reconstruction
from inpaintlib.history import History


def history_of(val_rec, train_rec, disc=None, adv=None, val_disc=None):
    history = History(monitor="rec")
    for epoch, (val, train) in enumerate(zip(val_rec, train_rec)):
        train_terms = {"rec": train, "total": train}
        val_terms = {"rec": val, "total": val}
        if disc is not None:
            train_terms.update(disc=disc[epoch], adv=adv[epoch])
            val_terms.update(disc=(val_disc or disc)[epoch])
        history.append(train_terms, val_terms)
    return history


def test_a_curve_still_falling_at_the_end_asks_for_more_epochs():
    history = history_of([0.05, 0.04, 0.035, 0.03, 0.028, 0.027], [0.06, 0.05, 0.04, 0.035, 0.03, 0.028])
    sentence = describe_reconstruction(history)
    assert "still falls" in sentence and "epoch 6 of 6" in sentence


def test_a_validation_curve_rising_while_training_falls_reads_as_memorizing():
    val = [0.05, 0.04, 0.035, 0.036, 0.038, 0.04, 0.041, 0.043, 0.045]
    train = [0.06, 0.05, 0.045, 0.04, 0.035, 0.03, 0.028, 0.025, 0.022]
    sentence = describe_reconstruction(history_of(val, train))
    assert "memorize" in sentence and "epoch 3" in sentence


def test_a_flat_curve_reads_as_flat():
    val = [0.05, 0.04, 0.0401, 0.0400, 0.0402, 0.0401, 0.0400, 0.0401, 0.0402]
    sentence = describe_reconstruction(history_of(val, val))
    assert "flattens" in sentence


def test_a_guessing_discriminator_is_at_chance():
    rec = [0.05, 0.04, 0.03]
    history = history_of(rec, rec, disc=[CHANCE_DISC + 0.01] * 3, adv=[CHANCE_ADV - 0.01] * 3)
    assert "at chance" in describe_discriminator(history)


def test_a_winning_and_overfitting_discriminator_is_named():
    rec = [0.05, 0.04, 0.03]
    history = history_of(rec, rec, disc=[1.0, 0.3, 0.05], adv=[1.0, 3.0, 4.0], val_disc=[1.2, 1.1, 1.0])
    sentence = describe_discriminator(history)
    assert "wins" in sentence and "memorized" in sentence
    honest = history_of(rec, rec, disc=[1.0, 0.3, 0.05], adv=[1.0, 3.0, 4.0])
    assert "memorized" not in describe_discriminator(honest)


def test_a_run_without_a_discriminator_gets_one_sentence():
    rec = [0.05, 0.04, 0.03]
    assert describe_discriminator(history_of(rec, rec)) is None
    assert len(describe_curves(history_of(rec, rec))) == 1


def test_a_run_ended_by_early_stopping_is_not_read_as_still_falling():
    val = [0.05, 0.04, 0.035, 0.034, 0.0339, 0.0338, 0.0338, 0.0338, 0.0338, 0.0336, 0.0337, 0.0338]
    history = history_of(val, val)
    assert "still falls" in describe_reconstruction(history)  # best epoch 10 of 12, near the end
    history.stopped_early = True
    sentence = describe_reconstruction(history)
    assert "still falls" not in sentence and "Early stopping ended the run" in sentence
