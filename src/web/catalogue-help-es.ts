import type { HelpKey } from './catalogue-help-en.js';

/** Spanish words of the linking help: exactly the English key set. */
export const helpEs: Readonly<Record<HelpKey, string>> = {
  'help.title': 'Cómo escanear: conexión de WhatsApp',
  'help.toc': 'En esta página',
  'help.needTitle': 'Qué necesitas',
  'help.intro': 'Todo el proceso suele llevar no más de 5 minutos. Necesitas:',
  'help.needPhone': 'el teléfono desde el que se enviarán las notificaciones (con él se escanea);',
  'help.needScreen':
    'un portátil, tableta o teléfono para abrir el panel personal o la página del código QR (muestra el código QR).',
  'help.requirement':
    'La cuenta de WhatsApp que se conecta debe haberse creado al menos 7 días antes de la conexión y tener conversaciones activas.',
  'help.panelTitle': 'Conexión desde el panel',
  'help.panelStep1':
    'En tu ordenador, tableta o teléfono abre el panel personal (en ALTEGIO: Integraciones → Notificaciones y luego esta pasarela de WhatsApp) y ve a la pestaña Configuración.',
  'help.panelStep2':
    'En el bloque titulado WhatsApp, haz clic en el texto con fondo rojo “Escanea el código QR”.',
  'help.panelStep3':
    'Se abre una ventana con el código QR. En la misma ventana hay un botón “Restablecer”, por si necesitas conectar otro teléfono para enviar notificaciones.',
  'help.panelStep4':
    'En el teléfono de envío, con WhatsApp Business instalado, abre WhatsApp y toca ⚙ (iPhone) o ⋮ (Android) → Dispositivos vinculados → Vincular un dispositivo.',
  'help.panelStep5': 'Se abre la cámara: apúntala al código QR del paso 3.',
  'help.panelStep6':
    'Tras escanearlo, en pocos segundos aparece el texto “Conexión establecida” y el teléfono muestra un nuevo dispositivo vinculado.',
  'help.pageTitle': 'Conexión desde la página del código QR',
  'help.pageLive':
    'Escanea directamente desde la página en el navegador. Una captura de pantalla no sirve: el código es dinámico y se actualiza constantemente.',
  'help.pageOpen':
    'Abre en un ordenador, tableta o teléfono el enlace a la página del código QR que recibiste con las instrucciones de conexión (en un teléfono, amplía el código QR a toda la pantalla con el botón “Pantalla completa”).',
  'help.pageButtons':
    'La página muestra el código QR con instrucciones breves y los botones Restablecer (para vincular otro teléfono), Soporte (para pedir ayuda al soporte técnico) y Cómo escanear (estas instrucciones).',
  'help.pageScan':
    'En el teléfono de envío toca ⚙ (iPhone) o ⋮ (Android) → Dispositivos vinculados → Vincular un dispositivo y apunta la cámara al código.',
  'help.pageDone':
    'Tras escanearlo, en segundos aparece “Conexión establecida” sobre fondo verde y el teléfono muestra un nuevo dispositivo vinculado. La configuración ha terminado y puedes cerrar la página del código QR.',
  'help.codeTitle': 'Vincular con un código',
  'help.codeIntro':
    'Si no es posible escanear, contacta con soporte y cambiarán tu cuenta al modo de introducción de código: así no se escanea ningún QR, sino que se escribe un código.',
  'help.codeStep1':
    'En el teléfono de envío abre WhatsApp y toca ⚙ (iPhone) o ⋮ (Android) → Dispositivos vinculados → Vincular un dispositivo → “Vincular con el número de teléfono”. Aparece un campo para el código.',
  'help.codeStep2':
    'En el panel, sección Canales → WhatsApp, o en la página del código QR se muestra el código que hay que escribir. Si se pide, introduce antes ahí el número del teléfono de envío.',
  'help.codeStep3':
    'Escribe el código en el teléfono; es dinámico y cambia más o menos una vez por minuto. Una vez introducido, se muestra el estado “Conexión establecida” y el teléfono muestra un nuevo dispositivo vinculado.',
  'help.errorsTitle': 'Posibles errores',
  'help.errorsIntro':
    'El código QR suele escanearse sin problemas, pero a veces WhatsApp muestra un error. Los más comunes:',
  'help.errCantLinkTitle': '“No se pueden vincular dispositivos nuevos en este momento”',
  'help.errCantLinkBody':
    'Asegúrate de escanear desde el panel o desde la página del código QR, no desde una captura de pantalla, e inténtalo de nuevo.',
  'help.errInvalidTitle': '“Código QR no válido”',
  'help.errInvalidBody': 'Haz clic en Restablecer, espera unos minutos y vuelve a escanear.',
  'help.tipsTitle': 'Consejos adicionales',
  'help.tipBusiness':
    'Usa la aplicación WhatsApp Business en el teléfono para que la integración funcione correctamente.',
  'help.tipSameNetwork': 'Asegúrate de que ambos dispositivos usan la misma conexión a internet.',
  'help.tipRestart': 'Si aun así no se puede conectar el teléfono, reinicia ambos dispositivos.',
  'help.tipCamera': 'Si la cámara del teléfono de envío no puede leer códigos QR, contacta con soporte.',
};
