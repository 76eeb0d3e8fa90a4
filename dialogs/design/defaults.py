"""What a bot says and understands before its designer writes a word, in English and Portuguese.

Designers override any of it in a flows file (``messages:`` and ``intents:``); a bot in another
language must give its own text for each, which ``omnibot validate`` asks for.
"""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    "fallback": {
        "en": "Sorry, I didn't get that. Could you say it another way? You can also type 'help'.",
        "pt": "Desculpe, não entendi. Pode dizer de outro jeito? Você também pode digitar 'ajuda'.",
    },
    "retry": {
        "en": "Sorry, that doesn't look right.",
        "pt": "Desculpe, isso não parece certo.",
    },
    "resume": {
        "en": "Welcome back! Let's carry on where we left off.",
        "pt": "Que bom ter você de volta! Vamos continuar de onde paramos.",
    },
    "action_failed": {
        "en": "Sorry, something went wrong on our side. Please try again in a moment.",
        "pt": "Desculpe, algo deu errado do nosso lado. Tente de novo daqui a pouco.",
    },
    "handoff": {
        "en": "I'm passing you to a person. Someone will answer you here shortly.",
        "pt": "Vou passar você para uma pessoa. Alguém vai responder aqui em breve.",
    },
    "handoff_waiting": {
        "en": "You're waiting for a person, who will answer here. Type 'never mind' to go back.",
        "pt": (
            "Você está esperando uma pessoa, que vai responder aqui. Digite 'cancelar' para voltar."
        ),
    },
    "handoff_left": {
        "en": "OK, you've left the queue. How else can I help?",
        "pt": "Certo, você saiu da fila. Em que mais posso ajudar?",
    },
    "queue_position": {
        "en": "{% if position %}You're number {{ position }} in line.{% endif %}",
        "pt": "{% if position %}Você é o número {{ position }} na fila.{% endif %}",
    },
    "handoff_ack": {
        "en": (
            "Thanks, your message is with our team."
            "{% if position %} You're number {{ position }} in line.{% endif %}"
        ),
        "pt": (
            "Obrigado, sua mensagem está com a nossa equipe."
            "{% if position %} Você é o número {{ position }} na fila.{% endif %}"
        ),
    },
    "handoff_closed": {
        "en": (
            "Nobody from our team can answer right now"
            "{% if hours %} (we're here {{ hours }}){% endif %}."
        ),
        "pt": (
            "Ninguém da nossa equipe pode responder agora"
            "{% if hours %} (estamos aqui {{ hours }}){% endif %}."
        ),
    },
    "contact_later": {
        "en": "Would you like us to contact you later? Choose where:",
        "pt": "Quer que a gente entre em contato depois? Escolha onde:",
    },
    "contact_later_set": {
        "en": (
            "Done: someone from our team will contact you on {{ channel }}."
            " Meanwhile, I'm still here."
        ),
        "pt": (
            "Pronto: alguém da nossa equipe vai falar com você por {{ channel }}."
            " Enquanto isso, continuo aqui."
        ),
    },
    "contact_later_no": {
        "en": "OK. Just ask for a person again whenever you like.",
        "pt": "Tudo bem. É só pedir uma pessoa de novo quando quiser.",
    },
    "no_thanks": {"en": "No, thanks", "pt": "Não, obrigado"},
    "agent_joined": {
        "en": "{{ agent }} from our team is here to help.",
        "pt": "{{ agent }}, da nossa equipe, está aqui para ajudar.",
    },
    "agent_left": {
        "en": "Thanks for waiting! You're back with the assistant. How else can I help?",
        "pt": "Obrigado pela paciência! Você voltou a falar com o assistente. Em que mais posso"
        " ajudar?",
    },
    "too_many_attempts": {
        "en": "Let's leave that for now.",
        "pt": "Vamos deixar isso para depois.",
    },
    "language_set": {
        "en": "OK, let's talk in English.",
        "pt": "Certo, vamos conversar em português.",
    },
    "ask": {
        "en": "What is your {slot}?",
        "pt": "Qual é o seu {slot}?",
    },
    "cancel": {
        "en": "OK, I've cancelled that. Anything else?",
        "pt": "Tudo bem, cancelei. Mais alguma coisa?",
    },
    "help": {
        "en": (
            "Here is what I can help with. "
            "Type 'never mind' to stop, or 'agent' to talk to a person."
        ),
        "pt": (
            "Veja no que posso ajudar. Digite 'cancelar' para parar "
            "ou 'atendente' para falar com uma pessoa."
        ),
    },
    "opted_out": {
        "en": (
            "OK, I've stopped: you won't get any more messages from us here."
            " Write START if you change your mind."
        ),
        "pt": (
            "Tudo bem, parei: você não vai mais receber mensagens nossas por aqui."
            " Se mudar de ideia, escreva INICIAR."
        ),
    },
    "restart": {
        "en": "Let's start over.",
        "pt": "Vamos recomeçar.",
    },
    "link_offer": {
        "en": (
            "To carry on where we are, use this code once, within {{ link.minutes }} minutes:"
            "{% if link.sms and channel.name != 'sms' %}"
            "\n- by SMS: text {{ link.code }} to {{ link.sms }}{% endif %}"
            "{% if link.telegram and channel.name != 'telegram' %}"
            "\n- on Telegram: {{ link.telegram }}{% endif %}"
            "{% if link.whatsapp and channel.name != 'whatsapp' %}"
            "\n- on WhatsApp: {{ link.whatsapp }}{% endif %}"
            "{% if link.email and channel.name != 'email' %}"
            "\n- by e-mail: {{ link.email }}{% endif %}"
            "{% if link.webchat %}\n- in a browser: {{ link.webchat }}{% endif %}"
            "\n- anywhere else, type: link {{ link.code }}"
        ),
        "pt": (
            "Para continuar de onde estamos, use este código uma vez, em até {{ link.minutes }}"
            " minutos:"
            "{% if link.sms and channel.name != 'sms' %}"
            "\n- por SMS: envie {{ link.code }} para {{ link.sms }}{% endif %}"
            "{% if link.telegram and channel.name != 'telegram' %}"
            "\n- no Telegram: {{ link.telegram }}{% endif %}"
            "{% if link.whatsapp and channel.name != 'whatsapp' %}"
            "\n- no WhatsApp: {{ link.whatsapp }}{% endif %}"
            "{% if link.email and channel.name != 'email' %}"
            "\n- por e-mail: {{ link.email }}{% endif %}"
            "{% if link.webchat %}\n- em um navegador: {{ link.webchat }}{% endif %}"
            "\n- em qualquer outro lugar, digite: link {{ link.code }}"
        ),
    },
    "email_invited": {
        "en": "I've sent an e-mail to {{ invited.to }}; reply to it to continue.",
        "pt": "Enviei um e-mail para {{ invited.to }}; responda a ele para continuar.",
    },
    "email_invitation": {
        "en": (
            "Reply to this e-mail to continue your conversation with us by e-mail. If you"
            " didn't ask for this, ignore it: nothing happens unless you reply."
        ),
        "pt": (
            "Responda a este e-mail para continuar a sua conversa conosco por e-mail. Se não foi"
            " você quem pediu, ignore-o: nada acontece se você não responder."
        ),
    },
    "email_offer": {
        "en": "You can also continue this conversation by e-mail: just say 'continue by e-mail'.",
        "pt": (
            "Você também pode continuar esta conversa por e-mail: é só dizer"
            " 'continuar por e-mail'."
        ),
    },
    "link_unavailable": {
        "en": "I can't give you a code right now. Please try again in a few minutes.",
        "pt": "Não consigo gerar um código agora. Tente de novo em alguns minutos.",
    },
    "link_consent": {
        "en": (
            "This will join this chat to a {{ join.channel }} conversation started"
            " {% if join.today %}today{% else %}on {{ join.date }}{% endif %} at {{ join.time }}"
            " ({{ join.timezone }}). Only say yes if you asked for this code yourself."
            " Join them?"
        ),
        "pt": (
            "Isto vai juntar este chat a uma conversa de {{ join.channel }} iniciada"
            " {% if join.today %}hoje{% else %}em {{ join.date }}{% endif %} às {{ join.time }}"
            " ({{ join.timezone }}). Só responda sim se foi você quem pediu este código."
            " Juntar as conversas?"
        ),
    },
    "preferred_channel": {
        "en": "Done: from now on we'll write to you on {{ preferred.name }}.",
        "pt": "Pronto: de agora em diante vamos escrever para você por {{ preferred.name }}.",
    },
    "preferred_channel_unavailable": {
        "en": (
            "Sorry, I can't write to you on {{ preferred.name }}:"
            "{% if preferred.on %} I don't have your contact there yet. Write to us there once"
            " and we'll use it.{% else %} we don't use it.{% endif %}"
        ),
        "pt": (
            "Desculpe, não consigo escrever para você por {{ preferred.name }}:"
            "{% if preferred.on %} ainda não tenho seu contato lá. Mande uma mensagem para nós"
            " por lá uma vez e vamos usá-lo.{% else %} não usamos esse canal.{% endif %}"
        ),
    },
    "link_declined": {
        "en": "OK, nothing was joined: this chat goes on as before.",
        "pt": "Certo, nada foi juntado: este chat continua como antes.",
    },
    "link_declined_notice": {
        "en": (
            "The code you asked for was used on {channel}, but not accepted there: nothing was"
            " joined. Ask for a new code if you still want to continue elsewhere."
        ),
        "pt": (
            "O código que você pediu foi usado em {channel}, mas não foi aceito lá: nada foi"
            " juntado. Peça um novo código se ainda quiser continuar em outro lugar."
        ),
    },
    "linked": {
        "en": "Done: this chat is now part of your conversation.",
        "pt": "Pronto: este chat agora faz parte da sua conversa.",
    },
    "linked_notice": {
        "en": "Your conversation now continues on {channel} too. If that wasn't you, tell us here.",
        "pt": "Sua conversa agora continua também em {channel}. Se não foi você, avise aqui.",
    },
    "link_invalid": {
        "en": "That code isn't valid or has expired. Ask for a new one where you started.",
        "pt": "Esse código não é válido ou expirou. Peça um novo onde você começou.",
    },
    "link_limited": {
        "en": "Too many tries. Please wait a few minutes and try again.",
        "pt": "Tentativas demais. Espere alguns minutos e tente de novo.",
    },
    "link_busy": {
        "en": "I couldn't join the conversations just now. Please answer again in a moment.",
        "pt": "Não consegui juntar as conversas agora. Responda de novo daqui a pouco.",
    },
    "code_sms": {
        "en": "Your code is {code}. It expires in {minutes} minutes. Don't share it.",
        "pt": "Seu código é {code}. Ele expira em {minutes} minutos. Não o compartilhe.",
    },
    "yes": {"en": "Yes", "pt": "Sim"},
    "no": {"en": "No", "pt": "Não"},
    "share_phone": {"en": "Share my phone number", "pt": "Compartilhar meu telefone"},
}

CHANNEL_NAMES = {
    "sms": "SMS",
    "telegram": "Telegram",
    "slack": "Slack",
    "webchat": "web chat",
    "whatsapp": "WhatsApp",
    "email": "e-mail",
}
"""How customers are told a channel's name."""

INTENT_EXAMPLES: dict[str, dict[str, list[str]]] = {
    "cancel": {
        "en": ["cancel", "cancel that", "never mind", "forget it", "stop this", "quit"],
        "pt": ["cancelar", "cancela", "cancela isso", "esquece", "deixa pra lá", "sair", "parar"],
    },
    "help": {
        "en": ["help", "help me", "what can you do", "menu", "options"],
        "pt": ["ajuda", "me ajuda", "socorro", "o que você faz", "menu", "opções"],
    },
    "human": {
        "en": [
            "agent",
            "human",
            "talk to a person",
            "speak to someone",
            "talk to a human",
            "real person",
            "representative",
        ],
        "pt": [
            "atendente",
            "humano",
            "falar com uma pessoa",
            "falar com alguém",
            "falar com atendente",
            "pessoa de verdade",
        ],
    },
    "restart": {
        "en": ["start over", "restart", "reset", "begin again"],
        "pt": ["recomeçar", "começar de novo", "reiniciar", "do início"],
    },
    "elsewhere": {
        "en": [
            "continue on my phone",
            "continue on another channel",
            "continue on telegram",
            "continue on whatsapp",
            "continue by sms",
            "switch to my phone",
            "continue by email",
            "continue by e-mail",
            "email me instead",
            "switch to email",
        ],
        "pt": [
            "continuar no celular",
            "continuar em outro canal",
            "continuar no telegram",
            "continuar no whatsapp",
            "continuar por sms",
            "passar para o celular",
            "continuar por e-mail",
            "continuar por email",
            "me manda por e-mail",
            "passar para o e-mail",
        ],
    },
    "prefer": {
        "en": [
            "message me on whatsapp",
            "write to me on whatsapp",
            "contact me on whatsapp",
            "i prefer whatsapp",
            "message me by sms",
            "text me instead",
            "i prefer sms",
            "i prefer text messages",
            "message me on telegram",
            "i prefer telegram",
            "contact me by e-mail",
            "contact me by email",
            "i prefer e-mail",
            "i prefer email",
        ],
        "pt": [
            "me mande mensagem no whatsapp",
            "me chama no whatsapp",
            "me chama no zap",
            "prefiro whatsapp",
            "me mande sms",
            "prefiro sms",
            "prefiro mensagem de texto",
            "me mande mensagem no telegram",
            "prefiro telegram",
            "me contate por e-mail",
            "me mande e-mail",
            "prefiro e-mail",
            "prefiro email",
        ],
    },
}

LANGUAGE_NAMES: dict[str, list[str]] = {
    "en": ["english", "ingles"],
    "pt": ["portugues", "portuguese", "portugais"],
    "es": ["espanol", "spanish", "espanhol"],
    "fr": ["francais", "french", "frances"],
    "de": ["deutsch", "german", "alemao", "aleman"],
    "it": ["italiano", "italian"],
}
"""Each language's name, in the words customers use to ask for it ("in English please", "pode
falar português?"), written as ``normalise`` leaves them."""

INTENT_THRESHOLD = 0.62
"""Global intents fire only on a message that is close to one of their examples as a whole:
"cancel" cancels, "I want to cancel my order" does not (that is a flow's business)."""

_FUNCTION_WORDS_EN = """
a an the i you he she it we they me my your our his her its their this that these those is
are was were be been am do does did can could would should will shall may might must what
where when why how who which to of in on at for with from by about and or but if so not no yes
please just some any there here up out
"""
_FUNCTION_WORDS_PT = """
o os as um uma uns umas eu tu ele ela nos vos eles elas me te se meu minha seu sua nosso isso
isto aquilo esse essa este esta e ou mas que qual quais quando onde como quem por para de do
da dos das no na nas em com sem ao aos pelo pela ser estar foi sou sao tem ter pode posso quero
vou nao sim favor ai
"""
FUNCTION_WORDS: frozenset[str] = frozenset((_FUNCTION_WORDS_EN + _FUNCTION_WORDS_PT).split())
"""Words that say little about what a message is about; a global intent must match the rest."""

_ISO_639_1 = """
    aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr cs cu cv cy
    da de dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht hu
    hy hz ia id ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw ky la lb
    lg li ln lo lt lu lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl nn no nr nv ny oc oj om
    or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl sm sn so sq sr ss st su sv sw
    ta te tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi yo za zh zu
    """
LANGUAGE_CODES: frozenset[str] = frozenset(_ISO_639_1.split())
"""ISO 639-1 codes: an unknown language key that is a real code is not a typo of another."""
